/*
 * Tests for the ingest module (ingest.h, "metric lines", "line
 * splitting", "metrics CSV"): every output form of the trial protocol with
 * exact names, values and steps, hostile input (garbage, binary, NULs,
 * megabyte lines), and CSV rows split at every byte offset, which must give
 * exactly what one read gives.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tunetop/ingest.h"
#include "check_util.h"

/* ---- helpers ---------------------------------------------------------------- */

/* Parse s from an exactly-sized heap copy, so a read past len is an ASan
 * report rather than luck. */
static size_t parse(const char *s, tt_metric_line *out)
{
    size_t len = strlen(s);
    char *copy = tt_xmalloc(len ? len : 1);
    memcpy(copy, s, len);
    size_t n = tt_metric_parse_line(copy, len, out);
    free(copy);
    return n;
}

static const tt_metric_kv *find(const tt_metric_line *ml, const char *name)
{
    for (size_t k = 0; k < ml->n; k++)
        if (strcmp(ml->kv[k].name, name) == 0)
            return &ml->kv[k];
    return NULL;
}

static void expect(const tt_metric_line *ml, const char *name, double v)
{
    const tt_metric_kv *kv = find(ml, name);
    ck_assert_msg(kv != NULL, "metric %s missing", name);
    if (isnan(v))
        ck_assert_msg(isnan(kv->value), "%s = %g, want nan", name, kv->value);
    else
        ck_assert_msg(kv->value == v, "%s = %.17g, want %.17g", name, kv->value, v);
}

static void expect_step(const tt_metric_line *ml, long step)
{
    ck_assert_msg(ml->has_step, "no step");
    ck_assert_int_eq(ml->step, step);
}

/* ---- metric lines -------------------------------------------------------- */

START_TEST(test_line_kv)
{
    tt_metric_line ml;
    ck_assert_uint_eq(parse("epoch=3 loss=0.25 val_loss=0.31", &ml), 2);
    expect_step(&ml, 3);
    expect(&ml, "loss", 0.25);
    expect(&ml, "val_loss", 0.31);
    ck_assert_ptr_null(find(&ml, "epoch"));

    ck_assert_uint_eq(parse("step=10, acc=0.9", &ml), 1);
    expect_step(&ml, 10);
    expect(&ml, "acc", 0.9);

    ck_assert_uint_eq(parse("  lr = 1e-3\tloss=2", &ml), 2);
    expect(&ml, "lr", 1e-3);
    expect(&ml, "loss", 2);
    ck_assert(!ml.has_step);

    ck_assert_uint_eq(parse("train/loss=0.5 lr.decay-rate=2 _x=1", &ml), 3);
    expect(&ml, "train/loss", 0.5);
    expect(&ml, "lr.decay-rate", 2);
    expect(&ml, "_x", 1);

    ck_assert_uint_eq(parse("(loss=1) [acc=2]; f1=3|g=4 \"h=5\"", &ml), 5);
    expect(&ml, "loss", 1);
    expect(&ml, "acc", 2);
    expect(&ml, "f1", 3);
    expect(&ml, "g", 4);
    expect(&ml, "h", 5);
}
END_TEST

START_TEST(test_line_colon)
{
    tt_metric_line ml;
    ck_assert_uint_eq(parse("loss: 0.25 val_loss: 0.3", &ml), 2);
    expect(&ml, "loss", 0.25);
    expect(&ml, "val_loss", 0.3);

    ck_assert_uint_eq(parse("1875/1875 [==============================] - 3s 2ms/step - loss: "
                            "0.2954 - accuracy: 0.9145 - val_loss: 0.1472 - val_accuracy: 0.9554",
                            &ml),
                      4);
    expect(&ml, "loss", 0.2954);
    expect(&ml, "accuracy", 0.9145);
    expect(&ml, "val_loss", 0.1472);
    expect(&ml, "val_accuracy", 0.9554);
    ck_assert(!ml.has_step);

    ck_assert_uint_eq(
        parse("Epoch 3: 100%|\xe2\x96\x88\xe2\x96\x88\xe2\x96\x88| 10/10 [00:01<00:00, "
              "8.00it/s, loss=0.123, v_num=0]",
              &ml),
        2);
    expect(&ml, "loss", 0.123);
    expect(&ml, "v_num", 0);
    expect_step(&ml, 3);

    ck_assert_uint_eq(parse("Epoch [2/5], Step [100/600], Loss: 0.2134", &ml), 1);
    expect(&ml, "Loss", 0.2134);
    expect_step(&ml, 2);

    ck_assert_uint_eq(parse("Epoch 3/10", &ml), 0);
    expect_step(&ml, 3);

    ck_assert_uint_eq(parse("2024-05-01 12:30:45 INFO train: loss=0.3 ETA: 0s", &ml), 1);
    expect(&ml, "loss", 0.3);
}
END_TEST

START_TEST(test_line_json)
{
    tt_metric_line ml;
    ck_assert_uint_eq(parse("{\"epoch\": 3, \"loss\": 0.25, \"val\": {\"acc\": 0.9}}", &ml), 2);
    expect_step(&ml, 3);
    expect(&ml, "loss", 0.25);
    expect(&ml, "val.acc", 0.9);

    ck_assert_uint_eq(parse("  {\"name\": \"x, y=3\", \"ok\": true, \"n\": null, \"f\": false, "
                            "\"arr\": [1, 2, {\"a\": 3}, [4]], \"e\": \"a\\\"b\", \"lr\": 1e-3}",
                            &ml),
                      1);
    expect(&ml, "lr", 1e-3);

    /* Python dict reprs, as Hugging Face's Trainer prints them. */
    ck_assert_uint_eq(parse("{'loss': 0.4, 'learning_rate': 5e-05, 'epoch': 1.0}", &ml), 2);
    expect(&ml, "loss", 0.4);
    expect(&ml, "learning_rate", 5e-05);
    expect_step(&ml, 1);

    ck_assert_uint_eq(parse("{\"loss\": NaN, \"x\": -Infinity, \"y\": Infinity}", &ml), 3);
    expect(&ml, "loss", NAN);
    expect(&ml, "x", -INFINITY);
    expect(&ml, "y", INFINITY);

    /* Nested step keys are metrics; fractional epochs are no step. */
    ck_assert_uint_eq(parse("{\"val\": {\"epoch\": 2}, \"epoch\": 0.5}", &ml), 1);
    expect(&ml, "val.epoch", 2);
    ck_assert(!ml.has_step);

    /* A syntax error ends the parse; what came before stays. */
    ck_assert_uint_eq(parse("{\"loss\": 0.5, \"acc\": 0.", &ml), 1);
    expect(&ml, "loss", 0.5);
    ck_assert_uint_eq(parse("{\"loss\": 0.5 \"acc\": 1}", &ml), 1);
    ck_assert_uint_eq(parse("{\"a\": 1, \"g\": tensor(1.2), \"b\": 2}", &ml), 1);

    /* Text before the brace: not JSON, and no pairs either. */
    ck_assert_uint_eq(parse("metrics {\"loss\": 1}", &ml), 0);

    /* Keys that are no names: skipped with their values. */
    ck_assert_uint_eq(parse("{\"a b\": 1, \"\": 2, \"c\\\"\": 3, \"9x\": 4, \"ok\": 5}", &ml), 1);
    expect(&ml, "ok", 5);
}
END_TEST

START_TEST(test_line_json_limits)
{
    tt_metric_line ml;
    char buf[4096];
    size_t n = 0;
    for (int k = 0; k < 2000; k++)
        buf[n++] = '{';
    ck_assert_uint_eq(tt_metric_parse_line(buf, n, &ml), 0);

    /* A dotted path of 63 bytes is a name; 64 is not. */
    char line[512], a61[62], c62[63];
    memset(a61, 'a', 61);
    a61[61] = '\0';
    memset(c62, 'c', 62);
    c62[62] = '\0';
    snprintf(line, sizeof line, "{\"%s\": {\"b\": 1}, \"%s\": {\"d\": 2}}", a61, c62);
    ck_assert_uint_eq(parse(line, &ml), 1);
    ck_assert_uint_eq(strlen(ml.kv[0].name), 63);
    ck_assert_int_eq(ml.kv[0].name[62], 'b');
}
END_TEST

START_TEST(test_line_values)
{
    tt_metric_line ml;
    ck_assert_uint_eq(parse("a=nan b=NaN c=inf d=-inf e=Infinity f=-2.5E+3 g=.5 h=5. i=+3 "
                            "j=-0 k=1e-300 l=12345678901234567890123 m=0.1000000000000000055511",
                            &ml),
                      13);
    expect(&ml, "a", NAN);
    expect(&ml, "b", NAN);
    expect(&ml, "c", INFINITY);
    expect(&ml, "d", -INFINITY);
    expect(&ml, "e", INFINITY);
    expect(&ml, "f", -2500);
    expect(&ml, "g", 0.5);
    expect(&ml, "h", 5);
    expect(&ml, "i", 3);
    expect(&ml, "j", 0);
    ck_assert(signbit(find(&ml, "j")->value));
    expect(&ml, "k", 1e-300);
    expect(&ml, "l", 12345678901234567890123.0);
    expect(&ml, "m", 0.1);

    /* Junk right after a number: not a value. */
    ck_assert_uint_eq(parse("a=0.25s b=12% c=0x1f d=1e e=3:20 f=1.2.3 g=nanny h=infinite "
                            "i=- j=. k=e5 l=1,5",
                            &ml),
                      1);
    expect(&ml, "l", 1);
}
END_TEST

START_TEST(test_line_number_exact)
{
    /* The fast decimal path must agree with strtod bit for bit. */
    tt_rng rng;
    tt_rng_seed(&rng, 42);
    const char *fmts[] = {"%.17g", "%.6f", "%g", "%.3e", "%.10f", "%.1f"};
    char buf[64];
    for (int k = 0; k < 60000; k++) {
        double v = (tt_rng_uniform(&rng) - 0.5) * pow(10, (double)tt_rng_below(&rng, 40) - 20);
        if (k % 7 == 0)
            v = (double)(int64_t)(tt_rng_u64(&rng) >> tt_rng_below(&rng, 64));
        snprintf(buf, sizeof buf, fmts[k % 6], v);
        double got;
        ck_assert_msg(tt_metric_parse_number(buf, strlen(buf), &got), "%s", buf);
        double want = strtod(buf, NULL);
        ck_assert_msg(memcmp(&got, &want, sizeof got) == 0, "%s: %.17g != %.17g", buf, got, want);
    }
    double v;
    ck_assert(!tt_metric_parse_number("", 0, &v));
    ck_assert(!tt_metric_parse_number(" 1", 2, &v));
    ck_assert(!tt_metric_parse_number("1 ", 2, &v));
    ck_assert(!tt_metric_parse_number("0x10", 4, &v));
    ck_assert(tt_metric_parse_number("12", 1, &v) && v == 1);
}
END_TEST

START_TEST(test_line_steps)
{
    tt_metric_line ml;
    ck_assert_uint_eq(parse("step=3.0 loss=1", &ml), 1);
    expect_step(&ml, 3);
    ck_assert_uint_eq(parse("step=2.5 loss=1", &ml), 1);
    ck_assert(!ml.has_step);
    ck_assert_uint_eq(parse("Step=4 loss=1", &ml), 2);
    expect(&ml, "Step", 4);
    ck_assert(!ml.has_step);
    ck_assert_uint_eq(parse("Epoch 3: loss=1 epoch=5", &ml), 1);
    expect_step(&ml, 5);
    ck_assert_uint_eq(parse("iter: 7 x=1", &ml), 1);
    expect_step(&ml, 7);
    ck_assert_uint_eq(parse("iteration=8", &ml), 0);
    expect_step(&ml, 8);
    ck_assert_uint_eq(parse("global_step=9 x=1", &ml), 1);
    expect_step(&ml, 9);
    ck_assert_uint_eq(parse("step=inf x=1", &ml), 1);
    ck_assert(!ml.has_step);
    ck_assert_uint_eq(parse("step=1e300 x=1", &ml), 1);
    ck_assert(!ml.has_step);
    ck_assert_uint_eq(parse("epochs 3 loss=1", &ml), 1);
    ck_assert(!ml.has_step);
}
END_TEST

START_TEST(test_line_names)
{
    tt_metric_line ml;
    char line[256];
    char name63[64], name64[65];
    memset(name63, 'n', 63);
    name63[63] = '\0';
    memset(name64, 'm', 64);
    name64[64] = '\0';
    snprintf(line, sizeof line, "%s=1 %s=2 x=3", name63, name64);
    ck_assert_uint_eq(parse(line, &ml), 2);
    expect(&ml, name63, 1);
    expect(&ml, "x", 3);

    /* Words that do not start a name, or are glued to other text. */
    ck_assert_uint_eq(parse("2ms/step=1 --lr=0.1 9a=1 a=b=3", &ml), 1);
    expect(&ml, "b", 3);
}
END_TEST

START_TEST(test_line_limits)
{
    tt_metric_line ml;
    tt_buf b = {0};
    for (int k = 0; k < 100; k++)
        tt_buf_printf(&b, "m%d=%d ", k, k);
    ck_assert_uint_eq(parse(b.data, &ml), TT_METRIC_LINE_MAX_VALUES);
    expect(&ml, "m63", 63);
    ck_assert_ptr_null(find(&ml, "m64"));
    tt_buf_free(&b);

    ck_assert_uint_eq(parse("a=1 b=2 a=3", &ml), 2);
    expect(&ml, "a", 3);
    expect(&ml, "b", 2);
}
END_TEST

START_TEST(test_line_garbage)
{
    tt_metric_line ml;
    const char *lines[] = {"", "hello world", "===", ": = , ;", "a=", "=1", "a: ", ":1",
                           "{", "}", "{\"", "{'a", "{\"a\":", "{\"a\": [", "\xff\xfe\x00",
                           "loss\xc3\x28=1", "Epoch", "Epoch ", "Epoch [", "epoch 99999999999999999999"};
    for (size_t k = 0; k < sizeof lines / sizeof *lines; k++)
        ck_assert_uint_eq(parse(lines[k], &ml), 0);

    /* NUL bytes are ordinary non-name bytes; len decides where the line ends. */
    static const char nul[] = "loss=0.5\0acc=0.7";
    ck_assert_uint_eq(tt_metric_parse_line(nul, sizeof nul - 1, &ml), 1);
    expect(&ml, "acc", 0.7);
    ck_assert_uint_eq(tt_metric_parse_line("loss=0.5", 6, &ml), 1);
    expect(&ml, "loss", 0);

    tt_rng rng;
    tt_rng_seed(&rng, 7);
    char *buf = tt_xmalloc(4096);
    for (int round = 0; round < 2000; round++) {
        size_t n = (size_t)tt_rng_below(&rng, 4096);
        for (size_t k = 0; k < n; k++) {
            /* Binary bytes mixed with the characters the parser cares about. */
            static const char alphabet[] = "ab_=: ,{}[]\"'.-+e0123456789nanif\n\t";
            uint64_t r = tt_rng_u64(&rng);
            buf[k] = (r & 1) ? (char)(r >> 8) : alphabet[(r >> 8) % (sizeof alphabet - 1)];
        }
        char *exact = tt_xmalloc(n ? n : 1);
        memcpy(exact, buf, n);
        size_t got = tt_metric_parse_line(exact, n, &ml);
        ck_assert_uint_le(got, TT_METRIC_LINE_MAX_VALUES);
        for (size_t k = 0; k < ml.n; k++)
            ck_assert_uint_lt(strlen(ml.kv[k].name), TT_METRIC_NAME_MAX);
        free(exact);
    }
    free(buf);
}
END_TEST

/* ---- line splitter ------------------------------------------------------- */

typedef struct lines_seen {
    tt_buf text;      /* each line + (truncated ? "!" : "") + "\n" */
    size_t count, truncated;
} lines_seen;

static void on_line(const char *line, size_t len, bool truncated, void *ud)
{
    lines_seen *ls = ud;
    tt_buf_append(&ls->text, line, len);
    tt_buf_puts(&ls->text, truncated ? "!\n" : "\n");
    ls->count++;
    ls->truncated += truncated;
}

static char *split_all(const char *data, size_t n, size_t max_line, const size_t *cuts,
                       size_t n_cuts)
{
    tt_line_splitter ls;
    tt_line_splitter_init(&ls, max_line);
    lines_seen seen = {0};
    size_t at = 0;
    for (size_t k = 0; k <= n_cuts; k++) {
        size_t end = k < n_cuts ? cuts[k] : n;
        tt_line_splitter_feed(&ls, data + at, end - at, on_line, &seen);
        ck_assert_uint_le(ls.pending.len, max_line + 1);
        at = end;
    }
    tt_line_splitter_finish(&ls, on_line, &seen);
    tt_line_splitter_free(&ls);
    return tt_buf_take(&seen.text);
}

START_TEST(test_split_basic)
{
    const char *s = "a\nbb\r\n\nccc";
    char *got = split_all(s, strlen(s), 100, NULL, 0);
    ck_assert_str_eq(got, "a\nbb\n\nccc\n");
    free(got);

    /* "\r\n" across two feeds, and a lone '\r' kept inside a line. */
    const char *t = "x\r\ny\rz\n";
    for (size_t cut = 0; cut <= strlen(t); cut++) {
        got = split_all(t, strlen(t), 100, &cut, 1);
        ck_assert_str_eq(got, "x\ny\rz\n");
        free(got);
    }

    /* Exactly max_line is whole; one more is truncated; "\r\n" does not count. */
    got = split_all("abcd\nabcde\nabcd\r\nabcdef\r\nz", 26, 4, NULL, 0);
    ck_assert_str_eq(got, "abcd\nabcd!\nabcd\nabcd!\nz\n");
    free(got);
}
END_TEST

START_TEST(test_split_every_offset)
{
    const char *s = "epoch=1 loss=0.5\r\n\nlong line here\nx\r\ny\r\r\nlast";
    size_t n = strlen(s);
    for (size_t max_line = 3; max_line <= 20; max_line += 17) {
        char *whole = split_all(s, n, max_line, NULL, 0);
        for (size_t i = 0; i <= n; i++) {
            for (size_t j = i; j <= n; j++) {
                size_t cuts[2] = {i, j};
                char *got = split_all(s, n, max_line, cuts, 2);
                ck_assert_str_eq(got, whole);
                free(got);
            }
        }
        free(whole);
    }
}
END_TEST

START_TEST(test_split_huge_line)
{
    const size_t max_line = 64 * 1024, chunk = 4096, total = 1024 * 1024;
    tt_line_splitter ls;
    tt_line_splitter_init(&ls, max_line);
    lines_seen seen = {0};
    char *data = tt_xmalloc(chunk);
    memset(data, 'q', chunk);
    for (size_t at = 0; at < total; at += chunk) {
        tt_line_splitter_feed(&ls, data, chunk, on_line, &seen);
        ck_assert_uint_le(ls.pending.len, max_line + 1);
        ck_assert_uint_le(ls.pending.cap, max_line + chunk);
    }
    ck_assert_uint_eq(seen.count, 1);
    ck_assert_uint_eq(seen.truncated, 1);
    ck_assert_uint_eq(seen.text.len, max_line + 2);
    tt_line_splitter_feed(&ls, "tail\nnext\n", 10, on_line, &seen);
    ck_assert_uint_eq(seen.count, 2);
    ck_assert_str_eq(seen.text.data + max_line + 2, "next\n");
    /* An over-long line still open at the end is not delivered twice. */
    for (int k = 0; k < 20; k++)
        tt_line_splitter_feed(&ls, data, chunk, on_line, &seen);
    ck_assert_uint_eq(seen.count, 3);
    tt_line_splitter_finish(&ls, on_line, &seen);
    ck_assert_uint_eq(seen.count, 3);
    ck_assert_uint_eq(ls.lines, 3);
    ck_assert_uint_eq(ls.truncated, 2);
    tt_line_splitter_free(&ls);
    tt_buf_free(&seen.text);
    free(data);
}
END_TEST

START_TEST(test_split_binary)
{
    tt_rng rng;
    tt_rng_seed(&rng, 99);
    size_t n = 200000, newlines = 0;
    char *data = tt_xmalloc(n);
    for (size_t k = 0; k < n; k++) {
        data[k] = (char)tt_rng_u64(&rng);
        newlines += data[k] == '\n';
    }
    tt_line_splitter ls;
    tt_line_splitter_init(&ls, 512);
    lines_seen seen = {0};
    for (size_t at = 0; at < n;) {
        size_t step = 1 + (size_t)tt_rng_below(&rng, 3000);
        if (step > n - at)
            step = n - at;
        tt_line_splitter_feed(&ls, data + at, step, on_line, &seen);
        at += step;
    }
    /* The unterminated last line comes out at finish unless it is already
     * known to be over-long (more than max_line + 1 bytes). */
    size_t last = n;
    while (last > 0 && data[last - 1] != '\n')
        last--;
    if (n - last > 0 && n - last <= 513)
        newlines++;
    tt_line_splitter_finish(&ls, on_line, &seen);
    ck_assert_uint_eq(seen.count, newlines);
    tt_line_splitter_free(&ls);
    tt_buf_free(&seen.text);
    free(data);
}
END_TEST

/* ---- metrics CSV --------------------------------------------------------- */

static void on_point(long step, const char *name, double value, void *ud)
{
    tt_buf_printf(ud, "%ld %s %.17g\n", step, name, value);
}

/* Feed data cut at cuts[], then finish; returns the points as text and
 * bad_cells/bad_rows. */
static char *csv_all(const char *data, size_t n, const size_t *cuts, size_t n_cuts,
                     uint64_t *bad_cells, uint64_t *bad_rows)
{
    tt_metric_csv *mc = tt_metric_csv_new();
    tt_buf out = {0};
    tt_error err = {0};
    size_t at = 0;
    for (size_t k = 0; k <= n_cuts; k++) {
        size_t end = k < n_cuts ? cuts[k] : n;
        ck_assert_int_eq(tt_metric_csv_feed(mc, data + at, end - at, on_point, &out, &err), 0);
        at = end;
    }
    ck_assert_int_eq(tt_metric_csv_finish(mc, on_point, &out, &err), 0);
    if (bad_cells)
        *bad_cells = tt_metric_csv_bad_cells(mc);
    if (bad_rows)
        *bad_rows = tt_metric_csv_bad_rows(mc);
    tt_metric_csv_free(mc);
    return tt_buf_take(&out);
}

static char *csv_text(const char *data, uint64_t *bad_cells)
{
    return csv_all(data, strlen(data), NULL, 0, bad_cells, NULL);
}

START_TEST(test_csv_basic)
{
    uint64_t bad;
    char *got = csv_text("step,loss,acc\n0,1.5,0.1\n1,1.25,0.2\n", &bad);
    ck_assert_str_eq(got, "0 loss 1.5\n0 acc 0.10000000000000001\n1 loss 1.25\n"
                          "1 acc 0.20000000000000001\n");
    ck_assert_uint_eq(bad, 0);
    free(got);

    /* No step column: rows are numbered; names trimmed; CRLF; no final newline. */
    got = csv_text(" loss , val acc \r\n1, 2\r\n3 ,4", &bad);
    ck_assert_str_eq(got, "0 loss 1\n0 val acc 2\n1 loss 3\n1 val acc 4\n");
    free(got);

    /* Step column last, as a float; extra cells ignored; short rows fine. */
    got = csv_text("loss,epoch\n0.5,3.0,99,100\n0.25\n0.125,x\n", &bad);
    ck_assert_str_eq(got, "3 loss 0.5\n1 loss 0.25\n2 loss 0.125\n");
    ck_assert_uint_eq(bad, 1);
    free(got);

    /* Quoted header names with commas and quotes, and a BOM. */
    got = csv_text("\xEF\xBB\xBF\"a,b\",\"c\"\"d\", \" e \" ,\"\"\n1,2,3,4\n", &bad);
    ck_assert_str_eq(got, "0 a,b 1\n0 c\"d 2\n0 e 3\n");
    free(got);

    got = csv_text("loss\nnan\ninf\n-inf\n  Infinity  \n", &bad);
    ck_assert_str_eq(got, "0 loss nan\n1 loss inf\n2 loss -inf\n3 loss inf\n");
    ck_assert_uint_eq(bad, 0);
    free(got);
}
END_TEST

START_TEST(test_csv_bad_cells)
{
    uint64_t bad;
    char *got = csv_text("loss,acc\n1,\n,x\n0.5s,2\n\"\",\"7\"\n", &bad);
    ck_assert_str_eq(got, "0 loss 1\n2 acc 2\n3 acc 7\n");
    ck_assert_uint_eq(bad, 5);
    free(got);

    got = csv_text("loss,acc\n", &bad);
    ck_assert_str_eq(got, "");
    ck_assert_uint_eq(bad, 0);
    free(got);

    got = csv_text("loss,acc", &bad);
    ck_assert_str_eq(got, "");
    free(got);

    got = csv_text("", &bad);
    ck_assert_str_eq(got, "");
    free(got);

    /* Columns without a usable name are ignored, not counted. */
    got = csv_text(",x\x01y,ok\n1,2,3\n", &bad);
    ck_assert_str_eq(got, "0 ok 3\n");
    ck_assert_uint_eq(bad, 0);
    free(got);
}
END_TEST

static const char split_sample[] =
    "step, \"train,loss\",\"q\"\"uote\",acc\r\n"
    "0,1.5,\"2\n\",nan\r\n"
    "\n"
    "1,  1.25 ,\"x,y\",-inf\n"
    "2.0,\"3\",,0.5\r\n"
    "bad,4,5,6\n"
    "4,5";

START_TEST(test_csv_split_every_offset)
{
    size_t n = strlen(split_sample);
    uint64_t bad_whole, bad;
    char *whole = csv_all(split_sample, n, NULL, 0, &bad_whole, NULL);
    ck_assert_str_eq(whole, "0 train,loss 1.5\n0 acc nan\n1 train,loss 1.25\n1 acc -inf\n"
                            "2 train,loss 3\n2 acc 0.5\n3 train,loss 4\n3 q\"uote 5\n3 acc 6\n"
                            "4 train,loss 5\n");
    ck_assert_uint_eq(bad_whole, 4); /* "2\n", "x,y", "", "bad" */
    for (size_t i = 0; i <= n; i++) {
        for (size_t j = i; j <= n; j++) {
            size_t cuts[2] = {i, j};
            char *got = csv_all(split_sample, n, cuts, 2, &bad, NULL);
            ck_assert_msg(strcmp(got, whole) == 0, "cut at %zu,%zu:\n%s", i, j, got);
            ck_assert_uint_eq(bad, bad_whole);
            free(got);
        }
    }
    /* And one byte at a time. */
    size_t *cuts = tt_xmalloc(n * sizeof *cuts);
    for (size_t k = 0; k < n; k++)
        cuts[k] = k;
    char *got = csv_all(split_sample, n, cuts, n, &bad, NULL);
    ck_assert_str_eq(got, whole);
    free(got);
    free(cuts);
    free(whole);
}
END_TEST

START_TEST(test_csv_reset_and_consumed)
{
    tt_metric_csv *mc = tt_metric_csv_new();
    tt_buf out = {0};
    tt_error err = {0};
    ck_assert_int_eq(tt_metric_csv_feed(mc, "a,b\n1,2\n3", 9, on_point, &out, &err), 0);
    ck_assert_uint_eq(tt_metric_csv_consumed(mc), 8);
    ck_assert_int_eq(tt_metric_csv_rows(mc), 1);
    tt_metric_csv_reset(mc);
    ck_assert_int_eq(tt_metric_csv_rows(mc), 0);
    ck_assert_int_eq(tt_metric_csv_feed(mc, "c\r\n5\r\n", 6, on_point, &out, &err), 0);
    ck_assert_uint_eq(tt_metric_csv_consumed(mc), 5);
    ck_assert_str_eq(out.data, "0 a 1\n0 b 2\n0 c 5\n");
    tt_buf_free(&out);
    tt_metric_csv_free(mc);

    /* Resume as a restarted runner would: replay [0, consumed) silently. */
    const char *file = "step,loss\n1,0.5\n2,0.25\n3,0.1\n";
    mc = tt_metric_csv_new();
    ck_assert_int_eq(tt_metric_csv_feed(mc, file, 20, NULL, NULL, &err), 0);
    uint64_t consumed = tt_metric_csv_consumed(mc);
    ck_assert_uint_eq(consumed, 16);
    tt_metric_csv_free(mc);
    mc = tt_metric_csv_new();
    ck_assert_int_eq(tt_metric_csv_feed(mc, file, consumed, NULL, NULL, &err), 0);
    ck_assert_int_eq(tt_metric_csv_feed(mc, file + consumed, strlen(file) - consumed, on_point,
                                        &out, &err),
                     0);
    ck_assert_str_eq(out.data, "2 loss 0.25\n3 loss 0.10000000000000001\n");
    tt_buf_free(&out);
    tt_metric_csv_free(mc);
}
END_TEST

START_TEST(test_csv_long_field)
{
    size_t big = TT_METRIC_CSV_FIELD_MAX + 5000;
    tt_buf b = {0};
    tt_buf_puts(&b, "a,b\n1,2\n");
    char *x = tt_xmalloc(big);
    memset(x, 'x', big);
    tt_buf_puts(&b, "3,\"");
    tt_buf_append(&b, x, big);
    tt_buf_puts(&b, "\"\n5,6\n");
    uint64_t bad_rows, bad_cells;
    char *whole = csv_all(b.data, b.len, NULL, 0, &bad_cells, &bad_rows);
    ck_assert_str_eq(whole, "0 a 1\n0 b 2\n1 a 5\n1 b 6\n");
    ck_assert_uint_eq(bad_rows, 1);
    ck_assert_uint_eq(bad_cells, 0);
    tt_rng rng;
    tt_rng_seed(&rng, 3);
    for (int round = 0; round < 30; round++) {
        size_t cuts[3];
        for (int k = 0; k < 3; k++)
            cuts[k] = (size_t)tt_rng_below(&rng, b.len + 1);
        for (int k = 0; k < 3; k++)
            for (int m = k + 1; m < 3; m++)
                if (cuts[m] < cuts[k]) {
                    size_t t = cuts[k];
                    cuts[k] = cuts[m];
                    cuts[m] = t;
                }
        char *got = csv_all(b.data, b.len, cuts, 3, NULL, NULL);
        ck_assert_str_eq(got, whole);
        free(got);
    }
    free(whole);
    free(x);
    tt_buf_free(&b);
}
END_TEST

START_TEST(test_csv_binary)
{
    tt_rng rng;
    tt_rng_seed(&rng, 11);
    size_t n = 100000;
    char *data = tt_xmalloc(n);
    for (size_t k = 0; k < n; k++) {
        static const char alphabet[] = "ab,\"\r\n 0123456789.e-nan";
        uint64_t r = tt_rng_u64(&rng);
        data[k] = (r & 3) ? alphabet[(r >> 8) % (sizeof alphabet - 1)] : (char)(r >> 8);
    }
    size_t cuts[3] = {17, n / 2, n - 5};
    char *whole = csv_all(data, n, NULL, 0, NULL, NULL);
    char *got = csv_all(data, n, cuts, 3, NULL, NULL);
    ck_assert_str_eq(got, whole);
    free(got);
    free(whole);
    free(data);
}
END_TEST

Suite *suite_ingest(void)
{
    Suite *s = suite_create("ingest");
    tt_add_tcase(s, "metric_line", 0,
                 TT_TESTS(test_line_kv, test_line_colon, test_line_json, test_line_json_limits,
                          test_line_values, test_line_number_exact, test_line_steps,
                          test_line_names, test_line_limits, test_line_garbage));
    tt_add_tcase(s, "line_splitter", 0,
                 TT_TESTS(test_split_basic, test_split_every_offset, test_split_huge_line,
                          test_split_binary));
    tt_add_tcase(s, "metric_csv", 60,
                 TT_TESTS(test_csv_basic, test_csv_bad_cells, test_csv_split_every_offset,
                          test_csv_reset_and_consumed, test_csv_long_field, test_csv_binary));
    return s;
}
