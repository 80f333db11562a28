#include "config.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name, *defval;
} sweep_keys[SK_COUNT] = {
    [SK_ANCHORS] = {"anchors", "1280"},     [SK_ANCHOR_SEED] = {"anchor_seed", "0"},
    [SK_OMEGA] = {"omega", "1"},            [SK_DELTA] = {"delta", "0"},
    [SK_PRUNE] = {"prune", "threshold"},    [SK_RCOND] = {"rcond", "-1"},
    [SK_RESCALE] = {"rescale", "mean-norm"}, [SK_CENTER] = {"center", "false"},
    [SK_COMPLETION] = {"completion", "false"}, [SK_SEED] = {"seed", "0"},
    [SK_HEAD] = {"head", "linear"},         [SK_FACTOR] = {"factor", "1"},
    [SK_SCALE_MODE] = {"scale_mode", "set-norm"},
};

static const char *const type_names[] = {"invert", "stitch", "scale-invariance",
                                         "scale-distribution"};

const char *sweep_key_name(enum sweep_key k) { return sweep_keys[k].name; }
const char *exp_type_name(exp_type t) { return type_names[t]; }


static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

typedef struct parse_state {
    config *c;
    const char *path;
    int rc;
    int seen_type, seen_data;
    unsigned seen_sweep; /* bitmask of sweep keys given */
} parse_state;

/* Line of `key` in the file (inih does not report it): the first line that
 * starts with it followed by '=' or ':'; 0 if not found. */
static int line_of(const char *path, const char *key)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    char buf[4096];
    int line = 0, found = 0;
    size_t n = strlen(key);
    while (!found && fgets(buf, sizeof buf, f)) {
        line++;
        char *s = trim(buf);
        if (!strncmp(s, key, n)) {
            char *r = trim(s + n);
            found = *r == '=' || *r == ':';
        }
    }
    fclose(f);
    return found ? line : 0;
}

static int key_error(parse_state *st, const char *key, const char *fmt, const char *value,
                     const char *detail)
{
    if (st->rc)
        return 0;
    char msg[512];
    snprintf(msg, sizeof msg, fmt, value, detail);
    st->rc = irp_fail(IRP_EDATA, "%s:%d: key '%s': %s", st->path, line_of(st->path, key), key,
                      msg);
    return 0;
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

static int parse_bool(const char *s, int *out)
{
    if (!strcmp(s, "true") || !strcmp(s, "yes") || !strcmp(s, "1") || !strcmp(s, "on"))
        return *out = 1, 1;
    if (!strcmp(s, "false") || !strcmp(s, "no") || !strcmp(s, "0") || !strcmp(s, "off"))
        return *out = 0, 1;
    return 0;
}

/* Checks one value of sweep key k; returns a reason or NULL. */
static const char *check_value(enum sweep_key k, const char *v)
{
    uint64_t u;
    double d;
    int b;
    switch (k) {
    case SK_ANCHORS:
    case SK_OMEGA:
        return parse_u64(v, &u) && u >= 1 && u <= 1000000 ? NULL
                                                          : "expected an integer >= 1";
    case SK_ANCHOR_SEED:
    case SK_SEED:
        return parse_u64(v, &u) ? NULL : "expected an integer >= 0";
    case SK_DELTA:
        return parse_double(v, &d) && d >= 0 && d <= 1 ? NULL : "expected a number in [0, 1]";
    case SK_RCOND:
        return parse_double(v, &d) && d < 1 ? NULL
                                            : "expected a number below 1 (negative = default)";
    case SK_FACTOR:
        return parse_double(v, &d) && d > 0 ? NULL : "expected a number > 0";
    case SK_CENTER:
    case SK_COMPLETION:
        return parse_bool(v, &b) ? NULL : "expected true or false";
    case SK_PRUNE:
        return !strcmp(v, "threshold") || !strcmp(v, "fraction") ? NULL
                                                                 : "expected threshold or fraction";
    case SK_RESCALE:
        return !strcmp(v, "mean-norm") || !strcmp(v, "none") ? NULL : "expected mean-norm or none";
    case SK_SCALE_MODE:
        return !strcmp(v, "multiply") || !strcmp(v, "set-norm") ? NULL
                                                               : "expected multiply or set-norm";
    case SK_HEAD:
        return strlen(v) < 64 && !strpbrk(v, "/ ") ? NULL : "expected a head name";
    default:
        return "unknown key";
    }
}

/* Splits a comma-separated list into trimmed, non-empty items. */
static size_t split_list(char *s, char **items, size_t max, int *too_many)
{
    size_t n = 0;
    *too_many = 0;
    for (char *tok = strtok(s, ","); tok; tok = strtok(NULL, ",")) {
        char *t = trim(tok);
        if (!*t)
            continue;
        if (n == max) {
            *too_many = 1;
            break;
        }
        items[n++] = t;
    }
    return n;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
    parse_state *st = user;
    config *c = st->c;
    if (st->rc)
        return 0;
    if (strcmp(section, "experiment"))
        return key_error(st, name, "is in section [%s]%s; only [experiment] is read", section,
                         "");
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", value);
    char *v = trim(buf);
    for (int k = 0; k < SK_COUNT; k++) {
        if (strcmp(name, sweep_keys[k].name))
            continue;
        if (st->seen_sweep & (1u << k))
            return key_error(st, name, "given twice%s%s", "", "");
        st->seen_sweep |= 1u << k;
        char *items[CONFIG_MAX_VALUES + 1];
        int too_many;
        size_t n = split_list(v, items, CONFIG_MAX_VALUES, &too_many);
        if (too_many)
            return key_error(st, name, "more than %s values%s", "64", "");
        if (n == 0)
            return key_error(st, name, "empty value%s%s", "", "");
        for (size_t i = 0; i < n; i++) {
            const char *why = check_value((enum sweep_key)k, items[i]);
            if (why)
                return key_error(st, name, "value '%s': %s", items[i], why);
        }
        for (size_t i = 0; i < c->num_values[k]; i++)
            free(c->values[k][i]);
        for (size_t i = 0; i < n; i++)
            c->values[k][i] = xstrdup(items[i]);
        c->num_values[k] = n;
        return 1;
    }
    uint64_t u;
    int b;
    if (!strcmp(name, "name")) {
        if (!*v || strpbrk(v, "/ \t"))
            return key_error(st, name, "'%s': expected a name without '/' or spaces%s", v, "");
        free(c->name);
        c->name = xstrdup(v);
    } else if (!strcmp(name, "type")) {
        int t = -1;
        for (int i = 0; i < 4; i++)
            if (!strcmp(v, type_names[i]))
                t = i;
        if (t < 0)
            return key_error(st, name,
                             "'%s': expected invert, stitch, scale-invariance or "
                             "scale-distribution%s",
                             v, "");
        c->type = (exp_type)t;
        st->seen_type = 1;
    } else if (!strcmp(name, "data")) {
        if (!*v)
            return key_error(st, name, "empty path%s%s", "", "");
        free(c->data);
        c->data = xstrdup(v);
        st->seen_data = 1;
    } else if (!strcmp(name, "spaces") || !strcmp(name, "targets")) {
        int tg = !strcmp(name, "targets");
        char **list = tg ? c->targets : c->spaces;
        size_t *num = tg ? &c->num_targets : &c->num_spaces;
        for (size_t i = 0; i < *num; i++)
            free(list[i]);
        *num = 0;
        if (strcmp(v, "all")) {
            char *items[CONFIG_MAX_SPACES + 1];
            int too_many;
            size_t n = split_list(v, items, CONFIG_MAX_SPACES, &too_many);
            if (too_many || n == 0)
                return key_error(st, name, "expected 'all' or 1 to %s space names%s", "64", "");
            for (size_t i = 0; i < n; i++)
                list[i] = xstrdup(items[i]);
            *num = n;
        }
    } else if (!strcmp(name, "test_limit")) {
        if (!parse_u64(v, &u))
            return key_error(st, name, "'%s': expected an integer >= 0 (0 = all)%s", v, "");
        c->test_limit = (size_t)u;
    } else if (!strcmp(name, "bins")) {
        if (!parse_u64(v, &u) || u < 2 || u > 10000)
            return key_error(st, name, "'%s': expected an integer from 2 to 10000%s", v, "");
        c->bins = (size_t)u;
    } else if (!strcmp(name, "retrieval") || !strcmp(name, "references") ||
               !strcmp(name, "intra")) {
        if (!parse_bool(v, &b))
            return key_error(st, name, "'%s': expected true or false%s", v, "");
        *(!strcmp(name, "retrieval") ? &c->retrieval
          : !strcmp(name, "references") ? &c->references
                                        : &c->intra) = b;
    } else {
        return key_error(st, name,
                         "unknown key%s%s (known: name, type, data, spaces, targets, test_limit, "
                         "retrieval, references, intra, bins, anchors, anchor_seed, omega, "
                         "delta, prune, rcond, rescale, center, completion, seed, head, factor, "
                         "scale_mode)",
                         "", "");
    }
    return 1;
}

static uint64_t fnv1a(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001B3ULL;
    return h;
}

void config_free(config *c)
{
    if (!c)
        return;
    free(c->path);
    free(c->name);
    free(c->data);
    for (size_t i = 0; i < c->num_spaces; i++)
        free(c->spaces[i]);
    for (size_t i = 0; i < c->num_targets; i++)
        free(c->targets[i]);
    for (int k = 0; k < SK_COUNT; k++)
        for (size_t i = 0; i < c->num_values[k]; i++)
            free(c->values[k][i]);
    free(c);
}

int config_load(config **out, const char *path)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return irp_fail(IRP_EDATA, "%s: cannot read config (%s)", path, strerror(errno));
    config *c = calloc(1, sizeof *c);
    if (!c) {
        fclose(f);
        return irp_fail(IRP_ENOMEM, "out of memory");
    }
    uint64_t h = 0xCBF29CE484222325ULL;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        h = fnv1a(h, buf, n);
    fclose(f);
    c->hash = h;
    c->path = xstrdup(path);
    c->references = 1;
    c->intra = 1;
    c->bins = 40;
    parse_state st = {c, path, IRP_OK, 0, 0, 0};
    int r = ini_parse(path, handler, &st);
    int rc = st.rc;
    if (!rc && r > 0)
        rc = irp_fail(IRP_EDATA, "%s:%d: not valid INI (expected 'key = value' or [section])",
                      path, r);
    else if (!rc && r < 0)
        rc = irp_fail(IRP_EDATA, "%s: cannot read config", path);
    if (!rc && !st.seen_type)
        rc = irp_fail(IRP_EDATA, "%s: key 'type' is required in [experiment] (invert, stitch, "
                                 "scale-invariance or scale-distribution)",
                      path);
    if (!rc && !st.seen_data)
        rc = irp_fail(IRP_EDATA, "%s: key 'data' is required in [experiment] (an HDF5 dump)",
                      path);
    if (!rc && !c->name) { /* default name: the file's base name without .ini */
        const char *b = strrchr(path, '/');
        b = b ? b + 1 : path;
        c->name = xstrdup(b);
        char *dot = strrchr(c->name, '.');
        if (dot && dot != c->name)
            *dot = '\0';
    }
    for (int k = 0; !rc && k < SK_COUNT; k++)
        if (c->num_values[k] == 0) {
            c->values[k][0] = xstrdup(sweep_keys[k].defval);
            c->num_values[k] = 1;
        }
    /* fraction mode needs fractions > 0 */
    for (size_t i = 0; !rc && i < c->num_values[SK_DELTA]; i++)
        for (size_t j = 0; j < c->num_values[SK_PRUNE]; j++)
            if (!strcmp(c->values[SK_PRUNE][j], "fraction") && atof(c->values[SK_DELTA][i]) <= 0)
                rc = irp_fail(IRP_EDATA, "%s:%d: key 'delta': value '%s' with prune = fraction: "
                                         "expected a fraction in (0, 1]",
                              path, line_of(path, "delta"), c->values[SK_DELTA][i]);
    if (rc) {
        config_free(c);
        return rc;
    }
    *out = c;
    return IRP_OK;
}

size_t config_num_cells(const config *c)
{
    size_t n = 1;
    for (int k = 0; k < SK_COUNT; k++)
        n *= c->num_values[k];
    return n;
}

void config_cell(cell *out, const config *c, size_t i)
{
    memset(out, 0, sizeof *out);
    for (int k = SK_COUNT - 1; k >= 0; k--) {
        out->text[k] = c->values[k][i % c->num_values[k]];
        i /= c->num_values[k];
    }
    irp_options_default(&out->opts);
    uint64_t u;
    int b;
    parse_u64(out->text[SK_ANCHORS], &u);
    out->anchors = (size_t)u;
    parse_u64(out->text[SK_ANCHOR_SEED], &out->anchor_seed);
    parse_u64(out->text[SK_OMEGA], &u);
    out->opts.num_subspaces = (size_t)u;
    parse_double(out->text[SK_DELTA], &out->opts.delta);
    out->opts.prune_mode =
        strcmp(out->text[SK_PRUNE], "fraction") ? IRP_PRUNE_THRESHOLD : IRP_PRUNE_FRACTION;
    parse_double(out->text[SK_RCOND], &out->opts.rcond);
    out->opts.rescale = strcmp(out->text[SK_RESCALE], "none") ? IRP_RESCALE_MEAN_NORM
                                                             : IRP_RESCALE_NONE;
    parse_bool(out->text[SK_CENTER], &b);
    out->opts.center = b;
    parse_bool(out->text[SK_COMPLETION], &b);
    out->opts.completion = b;
    parse_u64(out->text[SK_SEED], &out->opts.seed);
    out->head = out->text[SK_HEAD];
    parse_double(out->text[SK_FACTOR], &out->factor);
    out->scale_mode = out->text[SK_SCALE_MODE];
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

uint64_t config_cell_hash(const config *c, const cell *cl)
{
    uint64_t h = 0xCBF29CE484222325ULL;
    char buf[256];
    int n = snprintf(buf, sizeof buf, "%s|%s|%zu|%d%d%d|%zu|", type_names[c->type], c->data,
                     c->test_limit, c->retrieval, c->references, c->intra, c->bins);
    h = fnv1a(h, buf, (size_t)n);
    for (size_t i = 0; i < c->num_spaces; i++)
        h = fnv1a(fnv1a(h, c->spaces[i], strlen(c->spaces[i])), ",", 1);
    for (size_t i = 0; i < c->num_targets; i++) /* absent: the hash of older configs */
        h = fnv1a(fnv1a(h, c->targets[i], strlen(c->targets[i])), ">", 1);
    for (int k = 0; k < SK_COUNT; k++)
        h = fnv1a(fnv1a(h, cl->text[k], strlen(cl->text[k])), ";", 1);
    return h;
}
