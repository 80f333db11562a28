/* Experiment configs: INI (inih) → validated config → cells. The keys come
 * from keys.h. Syntax and the limits every config obeys are checked here;
 * what a config's kind accepts (its keys, its claims) is the driver's to ask
 * of the registry (driver/experiment.c: experiment_load). */
#include "plumbing/config.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "plumbing/util.h"

typedef struct sweep_spec {
    const char *name, *defval;
    enum key_check check;
    const char *choices;
    double max; /* KC_COUNT: largest value; KC_POSITIVE: values within [1/max, max] */
    int flag;
    const char *help;
} sweep_spec;

#define SWEEP_SPEC(ID, name, def, check, choices, max, flag, help) \
    [SK_##ID] = {name, def, check, choices, max, flag, help},
static const sweep_spec sweep_keys[SK_COUNT] = {IRP_SWEEP_KEYS(SWEEP_SPEC)};
#undef SWEEP_SPEC

typedef struct key_spec {
    const char *name, *help;
} key_spec;
#define KEY_SPEC(ID, name, help) {name, help},
static const key_spec fixed_keys[FK_COUNT] = {IRP_FIXED_KEYS(KEY_SPEC)};
static const key_spec report_keys[RK_COUNT] = {IRP_REPORT_KEYS(KEY_SPEC)};
#undef KEY_SPEC

const char *sweep_key_name(enum sweep_key k) { return sweep_keys[k].name; }
const char *sweep_key_default(enum sweep_key k) { return sweep_keys[k].defval; }
int sweep_key_is_flag(enum sweep_key k) { return sweep_keys[k].flag; }

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    if (!*s || *s == '-')
        return 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end)
        return 0;
    *out = v;
    return 1;
}

static int parse_double(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *end || !*s || !isfinite(v))
        return 0;
    *out = v;
    return 1;
}

/* Exactly true or false, in any case (written back as "true"/"false"). */
static int parse_bool(const char *s, int *out)
{
    if (!strcasecmp(s, "true"))
        return *out = 1, 1;
    if (!strcasecmp(s, "false"))
        return *out = 0, 1;
    return 0;
}

/* Whether v is one of the '|'-separated choices. */
static int is_choice(const char *choices, const char *v)
{
    size_t n = strlen(v);
    for (const char *p = choices; p; p = strchr(p, '|'), p = p ? p + 1 : NULL)
        if (!strncmp(p, v, n) && (p[n] == '|' || !p[n]))
            return 1;
    return 0;
}

const char *config_check_value(enum sweep_key k, const char *v)
{
    static _Thread_local char why[160];
    const sweep_spec *s = &sweep_keys[k];
    uint64_t u;
    double d;
    int b;
    switch (s->check) {
    case KC_COUNT:
        if (!parse_u64(v, &u) || u < 1)
            return "expected an integer >= 1";
        if (u > s->max) {
            snprintf(why, sizeof why, "expected an integer from 1 to %.0f (the limit)", s->max);
            return why;
        }
        return NULL;
    case KC_SEED:
        return parse_u64(v, &u) ? NULL : "expected an integer >= 0";
    case KC_UNIT:
        return parse_double(v, &d) && d >= 0 && d <= 1 ? NULL : "expected a number in [0, 1]";
    case KC_RCOND:
        return parse_double(v, &d) && d < 1 ? NULL : "expected a number below 1 (negative = default)";
    case KC_POSITIVE:
        if (!parse_double(v, &d) || d <= 0)
            return "expected a number > 0";
        if (d > s->max || d < 1 / s->max) {
            snprintf(why, sizeof why, "expected a number from %g to %g (the limits)", 1 / s->max,
                     s->max);
            return why;
        }
        return NULL;
    case KC_NONNEG:
        if (!parse_double(v, &d) || !(d >= 0) || d > s->max) {
            snprintf(why, sizeof why, "expected a number from 0 to %g", s->max);
            return why;
        }
        return NULL;
    case KC_BOOL:
        return parse_bool(v, &b) ? NULL : "expected true or false";
    case KC_CHOICE:
        if (is_choice(s->choices, v))
            return NULL;
        snprintf(why, sizeof why, "expected %s", s->choices);
        for (char *p = why; (p = strchr(p, '|'));)
            *p = '\0', memmove(p + 4, p + 1, strlen(p + 1) + 1), memcpy(p, " or ", 4);
        return why;
    case KC_NAME:
        if (strlen(v) >= 64)
            return "expected a head name of at most 63 characters";
        for (const char *p = v; *p; p++)
            if (!isalnum((unsigned char)*p) && !strchr("._-+", *p))
                return "expected a head name of letters, digits, '.', '_', '-' or '+'";
        return NULL;
    }
    return "unknown key";
}

void config_print_keys(FILE *out, int flags_only, const char *kinds, const char *const *defaults)
{
    if (!flags_only) {
        fprintf(out, "[experiment] keys:\n");
        for (int k = 0; k < FK_COUNT; k++)
            fprintf(out, "  %-12s %s\n", fixed_keys[k].name, fixed_keys[k].help);
        fputs(kinds ? kinds : "", out);
        fprintf(out, "sweepable keys (a comma list sweeps every combination) [default]:\n");
    }
    for (int k = 0; k < SK_COUNT; k++) {
        const sweep_spec *s = &sweep_keys[k];
        if (flags_only && !s->flag)
            continue;
        char name[40];
        snprintf(name, sizeof name, "%s%s", flags_only ? "--" : "", s->name);
        for (char *p = name; flags_only && *p; p++)
            if (*p == '_')
                *p = '-';
        fprintf(out, "  %-14s %s [%s]%s%s\n", name, s->help,
                defaults && defaults[k] ? defaults[k] : s->defval,
                s->choices ? " " : "", s->choices ? s->choices : "");
    }
    if (!flags_only) {
        fprintf(out, "[report] keys (optional; they never change a number):\n");
        for (int k = 0; k < RK_COUNT; k++)
            fprintf(out, "  %-12s %s\n", report_keys[k].name, report_keys[k].help);
    }
}

/* "name, type, ..., scale_mode" (for the unknown-key message). */
static const char *known_keys(int report_section)
{
    static char buf[1024];
    size_t n = 0;
    if (report_section)
        for (int k = 0; k < RK_COUNT; k++)
            n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s", k ? ", " : "",
                                  report_keys[k].name);
    else {
        for (int k = 0; k < FK_COUNT; k++)
            n += (size_t)snprintf(buf + n, sizeof buf - n, "%s, ", fixed_keys[k].name);
        for (int k = 0; k < SK_COUNT; k++)
            n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s", k ? ", " : "",
                                  sweep_keys[k].name);
    }
    return buf;
}

/* Result names become file names and figure titles: letters, digits, '.', '_',
 * '-', '+' only, not starting with '.'. NULL if fine, else the reason. */
static const char *check_name(const char *v)
{
    if (!*v || *v == '.' || strlen(v) > 100)
        return "expected 1 to 100 characters, not starting with '.'";
    for (const char *p = v; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("._-+", *p))
            return "expected letters, digits, '.', '_', '-' or '+' only";
    return NULL;
}

typedef struct parse_state {
    config *c;
    const char *path, *text;
    int rc;
    unsigned seen_sweep, seen_fixed, seen_report; /* bitmasks of keys given */
} parse_state;

/* Line of `key` in the config's text (inih does not report it): the first
 * line that starts with it followed by '=' or ':'; 0 if not found. */
static int line_of(const char *text, const char *key)
{
    size_t n = strlen(key);
    int line = 1;
    for (const char *p = text; *p; line++) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!strncmp(p, key, n)) {
            const char *r = p + n;
            while (*r == ' ' || *r == '\t')
                r++;
            if (*r == '=' || *r == ':')
                return line;
        }
        p = strchr(p, '\n');
        if (!p)
            break;
        p++;
    }
    return 0;
}

static int key_error(parse_state *st, const char *key, const char *fmt, const char *value,
                     const char *detail)
{
    if (st->rc)
        return 0;
    char msg[1200];
    snprintf(msg, sizeof msg, fmt, value, detail);
    st->rc = irp_fail(IRP_EDATA, "%s:%d: key '%s': %s", st->path, line_of(st->text, key), key,
                      msg);
    return 0;
}

/* Splits a comma-separated list into trimmed, non-empty items. */
/* Splits a comma-separated list into trimmed items; *bad = 1 when there are
 * more than max, 2 when one is empty ("a,,b", "a,"). */
static size_t split_list(char *s, char **items, size_t max, int *bad)
{
    size_t n = 0;
    *bad = 0;
    if (!*s)
        return 0;
    for (char *tok = s, *next; tok; tok = next) {
        next = strchr(tok, ',');
        if (next)
            *next++ = '\0';
        char *t = trim(tok);
        if (!*t) {
            *bad = 2;
            break;
        }
        if (n == max) {
            *bad = 1;
            break;
        }
        items[n++] = t;
    }
    return n;
}

static int set_list(char **list, size_t *num, char **items, size_t n)
{
    for (size_t i = 0; i < *num; i++)
        free(list[i]);
    *num = 0;
    for (size_t i = 0; i < n; i++)
        if (!(list[(*num)++] = xstrdup(items[i])))
            return 0;
    return 1;
}

static int sweep_key(parse_state *st, int k, const char *name, char *v)
{
    config *c = st->c;
    if (st->seen_sweep & (1u << k))
        return key_error(st, name, "given twice%s%s", "", "");
    st->seen_sweep |= 1u << k;
    char *items[CONFIG_MAX_VALUES + 1], given[4096];
    snprintf(given, sizeof given, "%s", v);
    int bad;
    size_t n = split_list(v, items, CONFIG_MAX_VALUES, &bad);
    if (bad == 1)
        return key_error(st, name, "more than %s values%s", "64", "");
    if (bad == 2)
        return key_error(st, name, "'%.300s': an empty item in the list%s", given, "");
    if (n == 0)
        return key_error(st, name, "empty value%s%s", "", "");
    for (size_t i = 0; i < n; i++) {
        int is_auto = (k == SK_DELTA || k == SK_OMEGA) && !strcmp(items[i], "auto");
        const char *why = is_auto ? NULL : config_check_value((enum sweep_key)k, items[i]);
        if (why)
            return key_error(st, name, "value '%s': %s", items[i], why);
        if (sweep_keys[k].check == KC_BOOL) /* written canonically */
            items[i] = !strcasecmp(items[i], "true") ? "true" : "false";
        for (size_t j = 0; j < i; j++) {
            double a, b; /* numbers compare as numbers: 0.5, 0.50 and 5e-1 are one value */
            int same = !strcmp(items[i], items[j]) ||
                       (parse_double(items[i], &a) && parse_double(items[j], &b) && a == b) ||
                       (sweep_keys[k].check == KC_RCOND && a < 0 && b < 0);
            if (same)
                return key_error(st, name, "value '%s' given twice in the list%s", items[i], "");
        }
    }
    if (!set_list(c->values[k], &c->num_values[k], items, n))
        return st->rc = irp_fail(IRP_ENOMEM, "out of memory"), 0;
    return 1;
}

static int fixed_key(parse_state *st, int k, const char *name, char *v)
{
    config *c = st->c;
    uint64_t u;
    int b;
    if (st->seen_fixed & (1u << k))
        return key_error(st, name, "given twice%s%s", "", "");
    st->seen_fixed |= 1u << k;
    const char *why;
    switch ((enum fixed_key)k) {
    case FK_NAME:
        if ((why = check_name(v)))
            return key_error(st, name, "'%.100s': %s", v, why);
        free(c->name);
        c->name = xstrdup(v);
        break;
    case FK_TYPE:
        free(c->type); /* resolved by the driver (experiment_load) */
        c->type = xstrdup(v);
        break;
    case FK_DATA:
        if (!*v)
            return key_error(st, name, "empty path%s%s", "", "");
        free(c->data);
        c->data = xstrdup(v);
        break;
    case FK_SPACES:
    case FK_TARGETS: {
        int tg = k == FK_TARGETS;
        char **list = tg ? c->targets : c->spaces;
        size_t *num = tg ? &c->num_targets : &c->num_spaces;
        char *items[CONFIG_MAX_SPACES + 1];
        size_t n = 0;
        if (strcmp(v, "all")) {
            int bad;
            n = split_list(v, items, CONFIG_MAX_SPACES, &bad);
            if (bad || n == 0)
                return key_error(st, name, "expected 'all' or 1 to %s space names%s", "64", "");
        }
        if (!set_list(list, num, items, n))
            return st->rc = irp_fail(IRP_ENOMEM, "out of memory"), 0;
        break;
    }
    case FK_TEST_LIMIT:
        if (!parse_u64(v, &u))
            return key_error(st, name, "'%s': expected an integer >= 0 (0 = all)%s", v, "");
        c->test_limit = (size_t)u;
        break;
    case FK_BINS:
        if (!parse_u64(v, &u) || u < 2 || u > 10000)
            return key_error(st, name, "'%s': expected an integer from 2 to 10000%s", v, "");
        c->bins = (size_t)u;
        break;
    case FK_AUTO_DELTAS:
    case FK_AUTO_OMEGAS: {
        int dl = k == FK_AUTO_DELTAS, bad;
        char *items[CONFIG_MAX_VALUES + 1];
        size_t n = split_list(v, items, CONFIG_MAX_VALUES, &bad);
        if (bad || n == 0)
            return key_error(st, name, "expected 1 to %s values%s", "64", "");
        for (size_t i = 0; i < n; i++) {
            const char *bad_value = config_check_value(dl ? SK_DELTA : SK_OMEGA, items[i]);
            if (bad_value)
                return key_error(st, name, "value '%s': %s", items[i], bad_value);
            if (dl)
                parse_double(items[i], &c->auto_deltas[i]);
            else {
                parse_u64(items[i], &u);
                c->auto_omegas[i] = (size_t)u;
            }
            for (size_t j = 0; j < i; j++)
                if (dl ? c->auto_deltas[j] == c->auto_deltas[i]
                       : c->auto_omegas[j] == c->auto_omegas[i])
                    return key_error(st, name, "value '%s' given twice in the list%s", items[i],
                                     "");
        }
        *(dl ? &c->num_auto_deltas : &c->num_auto_omegas) = n;
        break;
    }
    case FK_AUTO_HOLDOUT: {
        double d;
        if (!parse_double(v, &d) || !(d > 0 && d <= 0.5))
            return key_error(st, name, "'%s': expected a fraction in (0, 0.5]%s", v, "");
        c->auto_holdout = d;
        break;
    }
    case FK_BOOTSTRAP:
        if (!parse_u64(v, &u) || (u && (u < 10 || u > 100000)))
            return key_error(st, name, "'%s': expected 0 (none) or 10 to 100000 resamples%s", v,
                             "");
        c->bootstrap = (size_t)u;
        break;
    case FK_BOOTSTRAP_LEVEL: {
        double d;
        if (!parse_double(v, &d) || !(d >= 0.5 && d <= 0.999))
            return key_error(st, name, "'%s': expected a level from 0.5 to 0.999%s", v, "");
        c->bootstrap_level = d;
        break;
    }
    case FK_PRECISION:
        if (strcmp(v, "float64") && strcmp(v, "float32"))
            return key_error(st, name, "'%s': expected float64 or float32%s", v, "");
        c->single = !strcmp(v, "float32");
        break;
    case FK_RETRIEVAL:
    case FK_REFERENCES:
    case FK_INTRA:
        if (!parse_bool(v, &b))
            return key_error(st, name, "'%s': expected true or false%s", v, "");
        *(k == FK_RETRIEVAL ? &c->retrieval : k == FK_REFERENCES ? &c->references : &c->intra) = b;
        break;
    case FK_COUNT:
        break;
    }
    return 1;
}

static int report_key(parse_state *st, int k, const char *name, char *v)
{
    config *c = st->c;
    if (st->seen_report & (1u << k))
        return key_error(st, name, "given twice%s%s", "", "");
    st->seen_report |= 1u << k;
    char *items[CONFIG_MAX_CLAIMS + 1];
    int bad;
    size_t n = split_list(v, items, CONFIG_MAX_CLAIMS, &bad);
    if (bad || n == 0)
        return key_error(st, name, "expected 1 to %s names%s", "16", "");
    if (!set_list(k == RK_CLAIMS ? c->claims : c->papers,
                  k == RK_CLAIMS ? &c->num_claims : &c->num_papers, items, n))
        return st->rc = irp_fail(IRP_ENOMEM, "out of memory"), 0;
    return 1;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
    parse_state *st = user;
    if (st->rc)
        return 0;
    int rep = !strcmp(section, "report");
    if (strcmp(section, "experiment") && !rep)
        return key_error(st, name, "is in section [%s]%s; only [experiment] and [report] are read",
                         section, "");
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", value);
    char *v = trim(buf);
    if (rep) {
        for (int k = 0; k < RK_COUNT; k++)
            if (!strcmp(name, report_keys[k].name))
                return report_key(st, k, name, v);
        return key_error(st, name, "unknown key in [report] (known: %s)%s", known_keys(1), "");
    }
    for (int k = 0; k < SK_COUNT; k++)
        if (!strcmp(name, sweep_keys[k].name))
            return sweep_key(st, k, name, v);
    for (int k = 0; k < FK_COUNT; k++)
        if (!strcmp(name, fixed_keys[k].name))
            return fixed_key(st, k, name, v);
    for (int k = 0; k < RK_COUNT; k++)
        if (!strcmp(name, report_keys[k].name))
            return key_error(st, name, "belongs in the [report] section%s%s", "", "");
    return key_error(st, name, "unknown key (known: %s)%s", known_keys(0), "");
}

void config_free(config *c)
{
    if (!c)
        return;
    free(c->path);
    free(c->text);
    free(c->type);
    free(c->name);
    free(c->data);
    free(c->data_path);
    free(c->data_other);
    for (size_t i = 0; i < c->num_spaces; i++)
        free(c->spaces[i]);
    for (size_t i = 0; i < c->num_targets; i++)
        free(c->targets[i]);
    for (size_t i = 0; i < c->num_claims; i++)
        free(c->claims[i]);
    for (size_t i = 0; i < c->num_papers; i++)
        free(c->papers[i]);
    for (int k = 0; k < SK_COUNT; k++)
        for (size_t i = 0; i < c->num_values[k]; i++)
            free(c->values[k][i]);
    free(c);
}

/* inih reads at most this much of a line (Debian's libinih: INI_MAX_LINE 200,
 * with the newline and the NUL); a longer line would be cut and its tail read
 * as a line of its own, so it is refused instead. */
enum { CONFIG_MAX_LINE = 198, CONFIG_MAX_BYTES = 1 << 20, CONFIG_MAX_CELLS = 10000 };

/* Checks the text inih will parse (no NUL, no line too long) and hashes it:
 * FNV-1a over the lines outside a [report] section, since the hash names what
 * produces the numbers and report keys never change one. */
static int check_and_hash(uint64_t *out, const char *path, const char *text, size_t len)
{
    if (strlen(text) != len) {
        int line = 1;
        for (const char *p = text; p < text + strlen(text); p++)
            line += *p == '\n';
        return irp_fail(IRP_EDATA, "%s:%d: a NUL byte; expected a text file", path, line);
    }
    const char *cr = strchr(text, '\r');
    if (cr && cr[1] != '\n')
        return irp_fail(IRP_EDATA, "%s: old Mac line endings (CR alone); save it with LF or "
                        "CRLF line endings", path);
    uint64_t h = FNV1A_INIT;
    int in_report = 0, line = 1;
    for (const char *p = text; *p; line++) {
        const char *e = strchr(p, '\n');
        size_t n = e ? (size_t)(e - p) + 1 : strlen(p);
        size_t chars = n - (e != NULL) - (n > (e != NULL) && p[n - 1 - (e != NULL)] == '\r');
        if (chars > CONFIG_MAX_LINE)
            return irp_fail(IRP_EDATA, "%s:%d: a line of %zu characters; inih, which reads "
                            "configs, takes at most %d (shorten it)",
                            path, line, chars, CONFIG_MAX_LINE);
        const char *s = p;
        while (*s == ' ' || *s == '\t')
            s++;
        if (s > p && *s && !strchr(";#\r\n", *s))
            return irp_fail(IRP_EDATA, "%s:%d: an indented line, which inih reads as more of "
                            "the previous key's value; remove the indentation",
                            path, line);
        if (*s == '[') {
            char name[64];
            in_report = sscanf(s, "[%63[^]\n]]", name) == 1 && !strcmp(trim(name), "report");
        }
        if (!in_report)
            h = fnv1a(h, p, n);
        p += n;
    }
    *out = h;
    return IRP_OK;
}

/* A relative 'data' path is looked up beside the config first (so a config
 * and its dump can move together, and a config runs from any directory), then
 * in the current directory (so repository configs keep 'data/dumps/...'
 * relative to the root). The first that exists is read; when neither does,
 * the error names both (data_other). Absolute paths are taken as they are. */
static int resolve_data(config *c)
{
    const char *slash = strrchr(c->path, '/');
    if (c->data[0] == '/' || !slash) {
        c->data_path = xstrdup(c->data);
        c->data_other = xstrdup("");
    } else {
        size_t dir = (size_t)(slash - c->path) + 1, n = dir + strlen(c->data) + 1;
        char *beside = malloc(n);
        if (beside)
            snprintf(beside, n, "%.*s%s", (int)dir, c->path, c->data);
        struct stat st;
        int there = beside && stat(beside, &st) == 0;
        c->data_path = there ? beside : xstrdup(c->data);
        c->data_other = there ? xstrdup(c->data) : beside;
    }
    return c->data_path && c->data_other ? IRP_OK : irp_fail(IRP_ENOMEM, "out of memory");
}

int config_load(config **out, const char *path)
{
    *out = NULL;
    char *text;
    size_t len;
    int rc = read_regular(&text, &len, path, CONFIG_MAX_BYTES, "config");
    if (rc)
        return rc;
    config *c = calloc(1, sizeof *c);
    if (!c) {
        free(text);
        return irp_fail(IRP_ENOMEM, "out of memory");
    }
    if ((rc = check_and_hash(&c->hash, path, text, len))) {
        free(text);
        free(c);
        return rc;
    }
    c->path = xstrdup(path);
    c->references = 1;
    c->intra = 1;
    c->bins = 40;
    static const double dd[] = {0, 0.25, 0.5, 0.65, 0.75, 0.9};
    static const size_t od[] = {1, 2, 4, 8, 16};
    c->num_auto_deltas = sizeof dd / sizeof *dd;
    memcpy(c->auto_deltas, dd, sizeof dd);
    c->num_auto_omegas = sizeof od / sizeof *od;
    memcpy(c->auto_omegas, od, sizeof od);
    c->auto_holdout = 0.2;
    c->bootstrap_level = 0.95;
    parse_state st = {c, path, text, IRP_OK, 0, 0, 0};
    int r = ini_parse_string(text, handler, &st); /* the very bytes hashed */
    rc = st.rc;
    if (!rc && r > 0)
        rc = irp_fail(IRP_EDATA, "%s:%d: not valid INI (expected 'key = value' or [section])",
                      path, r);
    else if (!rc && r < 0)
        rc = irp_fail(IRP_EDATA, "%s: cannot read config", path);
    if (!rc && !c->data)
        rc = irp_fail(IRP_EDATA, "%s: key 'data' is required in [experiment] (an HDF5 dump)",
                      path);
    if (!rc && !c->name) { /* default name: the file's base name without .ini */
        const char *b = strrchr(path, '/');
        b = b ? b + 1 : path;
        c->name = xstrdup(b);
        char *dot = c->name ? strrchr(c->name, '.') : NULL;
        if (dot && dot != c->name)
            *dot = '\0';
        const char *why = c->name ? check_name(c->name) : NULL;
        if (why)
            rc = irp_fail(IRP_EDATA, "%s: the file name gives the result name '%.100s', but %s; "
                          "set 'name = ...' in [experiment]",
                          path, c->name, why);
    }
    if (!rc)
        rc = resolve_data(c);
    if (!rc && (!c->path || !c->name))
        rc = irp_fail(IRP_ENOMEM, "out of memory");
    for (int k = 0; !rc && k < SK_COUNT; k++)
        if (c->num_values[k] == 0) {
            if (!(c->values[k][0] = xstrdup(sweep_keys[k].defval)))
                rc = irp_fail(IRP_ENOMEM, "out of memory");
            c->num_values[k] = 1;
        }
    /* a sweep small enough to finish (and whose size cannot overflow) */
    size_t cells = 1;
    for (int k = 0; !rc && k < SK_COUNT; k++) {
        cells *= c->num_values[k];
        if (cells > CONFIG_MAX_CELLS)
            rc = irp_fail(IRP_EDATA, "%s: the sweep has more than %d cells (the product of the "
                          "numbers of values); split it into several configs",
                          path, CONFIG_MAX_CELLS);
    }
    if (!rc && c->single && c->retrieval)
        rc = irp_fail(IRP_EDATA, "%s:%d: key 'precision': float32 is not offered with retrieval = "
                                 "true (top-1 retrieval can move far more than 1e-6 in float32 "
                                 "where translated rows are nearly parallel: 0.012 -> 0.003 on the "
                                 "Fashion-MNIST slice); use float64",
                      path, line_of(text, "precision"));
    /* fraction mode needs fractions > 0 */
    for (size_t i = 0; !rc && i < c->num_values[SK_DELTA]; i++)
        for (size_t j = 0; j < c->num_values[SK_PRUNE]; j++)
            if (!strcmp(c->values[SK_PRUNE][j], "fraction") && strcmp(c->values[SK_DELTA][i], "auto") &&
                atof(c->values[SK_DELTA][i]) <= 0)
                rc = irp_fail(IRP_EDATA, "%s:%d: key 'delta': value '%s' with prune = fraction: "
                                         "expected a fraction in (0, 1]",
                              path, line_of(text, "delta"), c->values[SK_DELTA][i]);
    /* delta/omega = auto: pair kinds only, and its keys only with it */
    int autos[2] = {0, 0}; /* delta, omega */
    for (int a = 0; !rc && a < 2; a++)
        for (size_t i = 0; i < c->num_values[a ? SK_OMEGA : SK_DELTA]; i++)
            autos[a] |= !strcmp(c->values[a ? SK_OMEGA : SK_DELTA][i], "auto");
    /* (only pair kinds have delta and omega: others were refused above) */
    static const struct {
        int key, needs_auto; /* 0: delta, 1: omega, 2: either */
    } auto_keys[] = {{FK_AUTO_DELTAS, 0}, {FK_AUTO_OMEGAS, 1}, {FK_AUTO_HOLDOUT, 2}};
    for (size_t i = 0; !rc && i < sizeof auto_keys / sizeof *auto_keys; i++) {
        int a = auto_keys[i].needs_auto, on = a == 2 ? autos[0] || autos[1] : autos[a];
        if ((st.seen_fixed & (1u << auto_keys[i].key)) && !on)
            rc = irp_fail(IRP_EDATA, "%s:%d: key '%s' has no effect without %s = auto; remove it",
                          path, line_of(text, fixed_keys[auto_keys[i].key].name),
                          fixed_keys[auto_keys[i].key].name,
                          a == 0 ? "delta" : a == 1 ? "omega" : "delta or omega");
    }
    if (!rc && (st.seen_fixed & (1u << FK_BOOTSTRAP_LEVEL)) && !c->bootstrap)
        rc = irp_fail(IRP_EDATA, "%s:%d: key 'bootstrap_level' has no effect without bootstrap "
                                 "resamples (bootstrap = 1000, say); remove it or set bootstrap",
                      path, line_of(text, "bootstrap_level"));
    /* the split auto makes of each anchor count (irp_auto_select): ≥ 1 held out, ≥ 2 fitted */
    for (size_t i = 0; !rc && (autos[0] || autos[1]) && i < c->num_values[SK_ANCHORS]; i++) {
        uint64_t k = 0;
        parse_u64(c->values[SK_ANCHORS][i], &k);
        long long h = llround(c->auto_holdout * (double)k);
        if (h < 1)
            h = 1;
        if (k < 3 || (uint64_t)h > k - 2)
            rc = irp_fail(IRP_EDATA, "%s:%d: key 'anchors': %llu anchors are too few for %s = "
                                     "auto, which holds out %lld of them (auto_holdout = %g) and "
                                     "fits on the rest: expected at least 2 left to fit",
                          path, line_of(text, "anchors"), (unsigned long long)k,
                          autos[0] ? "delta" : "omega", h, c->auto_holdout);
    }
    for (size_t i = 0; !rc && autos[0] && i < c->num_auto_deltas; i++)
        for (size_t j = 0; j < c->num_values[SK_PRUNE]; j++)
            if (!strcmp(c->values[SK_PRUNE][j], "fraction") && c->auto_deltas[i] <= 0)
                rc = irp_fail(IRP_EDATA, "%s:%d: key 'auto_deltas': value %g with prune = "
                                         "fraction: expected fractions in (0, 1] (set "
                                         "auto_deltas)",
                              path, line_of(text, "prune"), c->auto_deltas[i]);
    c->text = text; /* for the driver's errors, which name lines too */
    c->seen_fixed = st.seen_fixed;
    c->seen_sweep = st.seen_sweep;
    if (rc) {
        config_free(c);
        return rc;
    }
    *out = c;
    return IRP_OK;
}

int config_key_line(const config *c, const char *key)
{
    return c->text ? line_of(c->text, key) : 0;
}

const char *fixed_key_name(enum fixed_key k)
{
    return fixed_keys[k].name;
}

size_t config_num_cells(const config *c)
{
    size_t n = 1;
    for (int k = 0; k < SK_COUNT; k++)
        n *= c->num_values[k];
    return n;
}

void config_cell_from_text(cell *out, const char *const text[SK_COUNT])
{
    memset(out, 0, sizeof *out);
    memcpy(out->text, text, sizeof out->text);
    irp_options_default(&out->opts);
    uint64_t u = 0;
    int b = 0;
    parse_u64(text[SK_ANCHORS], &u);
    out->anchors = (size_t)u;
    parse_u64(text[SK_ANCHOR_SEED], &out->anchor_seed);
    parse_u64(text[SK_OMEGA], &u);
    out->opts.num_subspaces = (size_t)u;
    out->auto_delta = !strcmp(text[SK_DELTA], "auto");
    out->auto_omega = !strcmp(text[SK_OMEGA], "auto");
    if (out->auto_omega) /* placeholders: the pair engine chooses per pair */
        out->opts.num_subspaces = 1;
    if (!out->auto_delta)
        parse_double(text[SK_DELTA], &out->opts.delta);
    else if (!strcmp(text[SK_PRUNE], "fraction"))
        out->opts.delta = 1;
    out->opts.prune_mode =
        strcmp(text[SK_PRUNE], "fraction") ? IRP_PRUNE_THRESHOLD : IRP_PRUNE_FRACTION;
    parse_double(text[SK_RCOND], &out->opts.rcond);
    parse_double(text[SK_LAMBDA], &out->opts.lambda); /* 0: the pseudo-inverse; > 0: ridge */
    out->opts.decoder = out->opts.lambda > 0 ? IRP_DECODER_RIDGE : IRP_DECODER_PINV;
    out->opts.rescale = strcmp(text[SK_RESCALE], "none") ? IRP_RESCALE_MEAN_NORM
                                                        : IRP_RESCALE_NONE;
    parse_bool(text[SK_CENTER], &b);
    out->opts.center = b;
    parse_bool(text[SK_COMPLETION], &b);
    out->opts.completion = b;
    parse_u64(text[SK_SEED], &out->opts.seed);
    out->head = text[SK_HEAD];
    parse_double(text[SK_FACTOR], &out->factor);
    out->scale_mode = text[SK_SCALE_MODE];
}

void config_cell(cell *out, const config *c, size_t i)
{
    const char *text[SK_COUNT];
    for (int k = SK_COUNT - 1; k >= 0; k--) {
        text[k] = c->values[k][i % c->num_values[k]];
        i /= c->num_values[k];
    }
    config_cell_from_text(out, text);
    out->opts.single = c->single;
}

int config_is_target(const config *c, const char *name)
{
    if (!c->num_targets)
        return 1;
    for (size_t i = 0; i < c->num_targets; i++)
        if (!strcmp(c->targets[i], name))
            return 1;
    return 0;
}

int config_has_claim(const config *c, const char *name)
{
    for (size_t i = 0; i < c->num_claims; i++)
        if (!strcmp(c->claims[i], name))
            return 1;
    return 0;
}

uint64_t config_cell_hash(const config *c, const cell *cl)
{
    uint64_t h = FNV1A_INIT;
    char buf[256];
    int n = snprintf(buf, sizeof buf, "%s|%s|%zu|%d%d%d|%zu|", c->type, c->data,
                     c->test_limit, c->retrieval, c->references, c->intra, c->bins);
    h = fnv1a(h, buf, n < (int)sizeof buf ? (size_t)n : sizeof buf - 1);
    for (size_t i = 0; i < c->num_spaces; i++)
        h = fnv1a(fnv1a(h, c->spaces[i], strlen(c->spaces[i])), ",", 1);
    for (size_t i = 0; i < c->num_targets; i++) /* absent: the hash of older configs */
        h = fnv1a(fnv1a(h, c->targets[i], strlen(c->targets[i])), ">", 1);
    for (int k = 0; k < SK_COUNT; k++)
        h = fnv1a(fnv1a(h, cl->text[k], strlen(cl->text[k])), ";", 1);
    if (c->bootstrap) /* intervals: more rows (absent otherwise, as older tables) */
        h = fnv1a(fnv1a(h, &c->bootstrap, sizeof c->bootstrap), &c->bootstrap_level,
                  sizeof c->bootstrap_level);
    if (c->single) /* float32 apply (absent otherwise, as older tables) */
        h = fnv1a(h, "precision=float32;", 18);
    if (cl->auto_delta || cl->auto_omega) { /* the grids it chose from (absent otherwise) */
        h = fnv1a(h, &c->auto_holdout, sizeof c->auto_holdout);
        if (cl->auto_delta)
            h = fnv1a(h, c->auto_deltas, c->num_auto_deltas * sizeof *c->auto_deltas);
        if (cl->auto_omega)
            h = fnv1a(h, c->auto_omegas, c->num_auto_omegas * sizeof *c->auto_omegas);
    }
    return h;
}
