# Sourced by the fetchers (data/text/fetch-catalogs.sh, data/emoji/fetch-emoji.sh):
#   apt_download TOOL LIST DEBS_DIR
# downloads (never installs) every package named in the package list LIST
# (one per line, '#' comments) into DEBS_DIR with apt-get download; as root it
# refreshes stale package lists once and retries (IRP_NO_APT_UPDATE=1: not).
# On failure: one line naming TOOL and LIST, exit 1.
apt_download() {
  local tool=$1 list=$2 debs=$3 pkgs sandbox=() why
  mapfile -t pkgs < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$list" | grep -v '^$')
  echo "$tool: downloading ${#pkgs[@]} packages (nothing installed)" >&2
  [[ $(id -u) -eq 0 ]] && sandbox=(-o APT::Sandbox::User=root)  # _apt cannot enter our tree
  _apt_get() {
    (cd "$debs" && apt-get download -q "${sandbox[@]}" "${pkgs[@]}" >/dev/null 2>"$debs/apt.err")
  }
  # stale package lists name versions the mirror no longer has: refresh once (root only)
  if ! _apt_get && ! { [[ $(id -u) -eq 0 && -z "${IRP_NO_APT_UPDATE:-}" ]] &&
                       apt-get update -qq >/dev/null 2>&1 && _apt_get; }; then
    why=$(grep -m1 '^E:' "$debs/apt.err" || true)
    echo "$tool: $list: apt-get download failed (${why:-see apt-get download}); run" \
         "'apt-get update' as root, or remove the package from the list" >&2
    exit 1
  fi
  rm -f "$debs/apt.err"
}
