/*
 * trainer — a real (small) training program for tunetop's samples and tests.
 *
 * It trains a one-hidden-layer MLP with softmax cross-entropy on a dataset it
 * either generates deterministically (three interleaved spirals, so the
 * hyperparameters matter) or loads from a CSV file (features…, integer label
 * last; parsed with libcsv). Each epoch prints
 *   epoch=N loss=… val_loss=… val_acc=…
 * which is the `k=v` form of the trial protocol. A trial lasts well under a
 * second unless --epoch_time asks it to pretend to be slower.
 *
 * Options (W&B `${args}` style, `--name=value` or `--name value`):
 *   --lr, --batch_size, --hidden, --weight_decay, --momentum,
 *   --optimizer sgd|adam, --epochs, --seed, --data FILE.csv,
 *   --epoch_time SECONDS (sleep per epoch), --activation relu|tanh
 */
#include <csv.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct opts {
    double lr, weight_decay, momentum, epoch_time;
    long batch_size, hidden, epochs, seed;
    const char *optimizer, *data, *activation;
} opts;

typedef struct dataset {
    size_t n, d, k;     /* rows, features, classes */
    double *x;          /* n × d */
    int *y;
} dataset;

static uint64_t rng_state;

static double rnd(void)
{
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return ((rng_state >> 11) + 0.5) * 0x1.0p-53;
}

static double rnd_normal(void)
{
    return sqrt(-2 * log(rnd())) * cos(6.283185307179586 * rnd());
}

static void die(const char *fmt, const char *arg)
{
    fprintf(stderr, "trainer: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n");
    exit(2);
}

static double parse_number(const char *name, const char *v)
{
    char *end;
    errno = 0;
    double x = strtod(v, &end);
    if (errno || end == v || *end)
        die("bad number for --%s", name);
    return x;
}

static void parse_opts(int argc, char **argv, opts *o)
{
    *o = (opts){.lr = 0.05, .batch_size = 32, .hidden = 32, .weight_decay = 0, .momentum = 0.9,
                .optimizer = "sgd", .epochs = 20, .seed = 1, .activation = "relu"};
    for (int i = 1; i < argc; i++) {
        if (strncmp(argv[i], "--", 2) != 0)
            die("unexpected argument '%s'", argv[i]);
        char name[64];
        const char *eq = strchr(argv[i], '='), *val;
        size_t len = eq ? (size_t)(eq - argv[i] - 2) : strlen(argv[i] + 2);
        if (len >= sizeof name)
            die("option too long: %s", argv[i]);
        memcpy(name, argv[i] + 2, len);
        name[len] = '\0';
        if (eq)
            val = eq + 1;
        else if (i + 1 < argc)
            val = argv[++i];
        else
            die("--%s needs a value", name);
        if (!strcmp(name, "lr") || !strcmp(name, "learning_rate"))
            o->lr = parse_number(name, val);
        else if (!strcmp(name, "batch_size"))
            o->batch_size = (long)parse_number(name, val);
        else if (!strcmp(name, "hidden") || !strcmp(name, "hidden_units"))
            o->hidden = (long)parse_number(name, val);
        else if (!strcmp(name, "weight_decay"))
            o->weight_decay = parse_number(name, val);
        else if (!strcmp(name, "momentum"))
            o->momentum = parse_number(name, val);
        else if (!strcmp(name, "epochs"))
            o->epochs = (long)parse_number(name, val);
        else if (!strcmp(name, "seed"))
            o->seed = (long)parse_number(name, val);
        else if (!strcmp(name, "epoch_time"))
            o->epoch_time = parse_number(name, val);
        else if (!strcmp(name, "optimizer"))
            o->optimizer = val;
        else if (!strcmp(name, "activation"))
            o->activation = val;
        else if (!strcmp(name, "data"))
            o->data = val;
        else
            die("unknown option --%s", name);
    }
    if (o->batch_size < 1 || o->hidden < 1 || o->epochs < 1 || !(o->lr > 0))
        die("%s", "lr, batch_size, hidden and epochs must be positive");
    if (strcmp(o->optimizer, "sgd") && strcmp(o->optimizer, "adam"))
        die("unknown optimizer '%s' (sgd, adam)", o->optimizer);
    if (strcmp(o->activation, "relu") && strcmp(o->activation, "tanh"))
        die("unknown activation '%s' (relu, tanh)", o->activation);
}

/* Three spirals with noise: linearly inseparable, so hidden size, learning
 * rate and regularisation all change the result. */
static void make_spirals(dataset *ds, size_t n)
{
    ds->n = n;
    ds->d = 2;
    ds->k = 3;
    ds->x = malloc(n * 2 * sizeof *ds->x);
    ds->y = malloc(n * sizeof *ds->y);
    for (size_t i = 0; i < n; i++) {
        int c = (int)(i % 3);
        double r = rnd();
        double t = c * 2.0943951 + r * 4.0 + 0.25 * rnd_normal();
        ds->x[2 * i] = r * cos(t);
        ds->x[2 * i + 1] = r * sin(t);
        ds->y[i] = c;
    }
}

typedef struct csv_loader {
    dataset *ds;
    double row[256];
    size_t ncol, cap;
    long line;
    int non_numeric;    /* fields of this row that are not numbers */
} csv_loader;

static void csv_field(void *s, size_t len, void *data)
{
    csv_loader *L = data;
    char buf[64];
    if (len >= sizeof buf || L->ncol >= 256)
        die("%s", "CSV field or row too long");
    memcpy(buf, s, len);
    buf[len] = '\0';
    char *end;
    double v = strtod(buf, &end);
    if (end == buf || *end)
        L->non_numeric++;
    L->row[L->ncol++] = v;
}

/* A first row with text in it is a header and is skipped; any later
 * non-numeric field is an error. */
static void csv_row(int c, void *data)
{
    (void)c;
    csv_loader *L = data;
    dataset *ds = L->ds;
    size_t ncol = L->ncol;
    int text = L->non_numeric;
    L->ncol = 0;
    L->non_numeric = 0;
    if (L->line++ == 0 && text)
        return;
    if (text)
        die("%s", "non-numeric CSV field after the header");
    if (ncol < 2)
        die("%s", "CSV rows need at least one feature and a label");
    if (ds->d == 0)
        ds->d = ncol - 1;
    if (ncol - 1 != ds->d)
        die("%s", "CSV rows have different lengths");
    if (ds->n == L->cap) {
        L->cap = L->cap ? 2 * L->cap : 1024;
        ds->x = realloc(ds->x, L->cap * ds->d * sizeof *ds->x);
        ds->y = realloc(ds->y, L->cap * sizeof *ds->y);
    }
    memcpy(ds->x + ds->n * ds->d, L->row, ds->d * sizeof *ds->x);
    double label = L->row[ds->d];
    if (label != floor(label) || label < 0 || label > 1000)
        die("%s", "labels must be integers in 0..1000");
    ds->y[ds->n++] = (int)label;
    if ((size_t)label + 1 > ds->k)
        ds->k = (size_t)label + 1;
}

static void load_csv(dataset *ds, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        die("cannot open %s", path);
    struct csv_parser p;
    csv_init(&p, CSV_APPEND_NULL);
    csv_loader L = {.ds = ds};
    memset(ds, 0, sizeof *ds);
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        if (csv_parse(&p, buf, n, csv_field, csv_row, &L) != n)
            die("CSV error in %s", path);
    csv_fini(&p, csv_field, csv_row, &L);
    csv_free(&p);
    fclose(f);
    if (ds->n < 10)
        die("%s has fewer than 10 rows", path);
}

typedef struct mlp {
    size_t d, h, k;
    double *w1, *b1, *w2, *b2;        /* parameters */
    double *g, *m, *v;                /* gradient, moment buffers (flat) */
    size_t np;
} mlp;

static void mlp_init(mlp *net, size_t d, size_t h, size_t k)
{
    net->d = d;
    net->h = h;
    net->k = k;
    net->np = d * h + h + h * k + k;
    double *p = calloc(net->np, sizeof *p);
    net->w1 = p;
    net->b1 = p + d * h;
    net->w2 = net->b1 + h;
    net->b2 = net->w2 + h * k;
    for (size_t i = 0; i < d * h; i++)
        net->w1[i] = rnd_normal() * sqrt(2.0 / d);
    for (size_t i = 0; i < h * k; i++)
        net->w2[i] = rnd_normal() * sqrt(1.0 / h);
    net->g = calloc(net->np, sizeof *net->g);
    net->m = calloc(net->np, sizeof *net->m);
    net->v = calloc(net->np, sizeof *net->v);
}

/* Forward one example; fills hidden activations and class probabilities. */
static void forward(const mlp *net, const double *x, double *hid, double *prob, int relu)
{
    for (size_t j = 0; j < net->h; j++) {
        double a = net->b1[j];
        for (size_t i = 0; i < net->d; i++)
            a += x[i] * net->w1[i * net->h + j];
        hid[j] = relu ? (a > 0 ? a : 0) : tanh(a);
    }
    double mx = -INFINITY;
    for (size_t c = 0; c < net->k; c++) {
        double a = net->b2[c];
        for (size_t j = 0; j < net->h; j++)
            a += hid[j] * net->w2[j * net->k + c];
        prob[c] = a;
        if (a > mx)
            mx = a;
    }
    double z = 0;
    for (size_t c = 0; c < net->k; c++)
        z += prob[c] = exp(prob[c] - mx);
    for (size_t c = 0; c < net->k; c++)
        prob[c] /= z;
}

static void evaluate(const mlp *net, const dataset *ds, size_t from, size_t to, int relu,
                     double *loss, double *acc)
{
    double *hid = malloc(net->h * sizeof *hid), *prob = malloc(net->k * sizeof *prob);
    double l = 0;
    size_t right = 0;
    for (size_t r = from; r < to; r++) {
        forward(net, ds->x + r * ds->d, hid, prob, relu);
        l -= log(prob[ds->y[r]] + 1e-12);
        size_t best = 0;
        for (size_t c = 1; c < net->k; c++)
            if (prob[c] > prob[best])
                best = c;
        right += best == (size_t)ds->y[r];
    }
    *loss = l / (double)(to - from);
    *acc = (double)right / (double)(to - from);
    free(hid);
    free(prob);
}

static void step(mlp *net, const opts *o, long t)
{
    int adam = strcmp(o->optimizer, "adam") == 0;
    for (size_t i = 0; i < net->np; i++) {
        double *w = net->w1 + i;
        double g = net->g[i] + o->weight_decay * *w;
        if (adam) {
            net->m[i] = 0.9 * net->m[i] + 0.1 * g;
            net->v[i] = 0.999 * net->v[i] + 0.001 * g * g;
            double mh = net->m[i] / (1 - pow(0.9, (double)t));
            double vh = net->v[i] / (1 - pow(0.999, (double)t));
            *w -= o->lr * mh / (sqrt(vh) + 1e-8);
        } else {
            net->m[i] = o->momentum * net->m[i] + g;
            *w -= o->lr * net->m[i];
        }
        net->g[i] = 0;
    }
}

int main(int argc, char **argv)
{
    opts o;
    parse_opts(argc, argv, &o);
    rng_state = 0x853c49e6748fea9bULL;
    dataset ds;
    if (o.data)
        load_csv(&ds, o.data);
    else
        make_spirals(&ds, 1500);
    size_t n_train = ds.n * 3 / 4;
    rng_state ^= (uint64_t)o.seed * 0x9e3779b97f4a7c15ULL;
    mlp net;
    mlp_init(&net, ds.d, (size_t)o.hidden, ds.k);
    int relu = strcmp(o.activation, "relu") == 0;
    size_t *perm = malloc(n_train * sizeof *perm);
    for (size_t i = 0; i < n_train; i++)
        perm[i] = i;
    double *hid = malloc(net.h * sizeof *hid), *prob = malloc(net.k * sizeof *prob);
    double *dh = malloc(net.h * sizeof *dh);
    long t = 0;
    for (long epoch = 1; epoch <= o.epochs; epoch++) {
        for (size_t i = n_train - 1; i > 0; i--) {
            size_t j = (size_t)(rnd() * (double)(i + 1));
            size_t tmp = perm[i];
            perm[i] = perm[j];
            perm[j] = tmp;
        }
        double train_loss = 0;
        for (size_t start = 0; start < n_train; start += (size_t)o.batch_size) {
            size_t end = start + (size_t)o.batch_size;
            if (end > n_train)
                end = n_train;
            double scale = 1.0 / (double)(end - start);
            for (size_t b = start; b < end; b++) {
                const double *x = ds.x + perm[b] * ds.d;
                int y = ds.y[perm[b]];
                forward(&net, x, hid, prob, relu);
                train_loss -= log(prob[y] + 1e-12);
                double *gw1 = net.g, *gb1 = gw1 + net.d * net.h;
                double *gw2 = gb1 + net.h, *gb2 = gw2 + net.h * net.k;
                for (size_t j = 0; j < net.h; j++)
                    dh[j] = 0;
                for (size_t c = 0; c < net.k; c++) {
                    double dz = (prob[c] - (c == (size_t)y)) * scale;
                    gb2[c] += dz;
                    for (size_t j = 0; j < net.h; j++) {
                        gw2[j * net.k + c] += dz * hid[j];
                        dh[j] += dz * net.w2[j * net.k + c];
                    }
                }
                for (size_t j = 0; j < net.h; j++) {
                    double da = relu ? (hid[j] > 0 ? dh[j] : 0) : dh[j] * (1 - hid[j] * hid[j]);
                    gb1[j] += da;
                    for (size_t i = 0; i < net.d; i++)
                        gw1[i * net.h + j] += da * x[i];
                }
            }
            step(&net, &o, ++t);
        }
        double val_loss, val_acc;
        evaluate(&net, &ds, n_train, ds.n, relu, &val_loss, &val_acc);
        printf("epoch=%ld loss=%.6g val_loss=%.6g val_acc=%.4f\n", epoch,
               train_loss / (double)n_train, val_loss, val_acc);
        fflush(stdout);
        if (o.epoch_time > 0) {
            struct timespec ts = {(time_t)o.epoch_time,
                                  (long)((o.epoch_time - floor(o.epoch_time)) * 1e9)};
            nanosleep(&ts, NULL);
        }
    }
    free(perm);
    free(hid);
    free(prob);
    free(dh);
    free(net.w1);
    free(net.g);
    free(net.m);
    free(net.v);
    free(ds.x);
    free(ds.y);
    return 0;
}
