/*
 * metric_goal — which way a metric is better (tt_sweep_metric_goal): the
 * objective's declared goal, an extra metric's declared goal, else a guess
 * from its name. Everything that picks a metric's "best" asks here, so a
 * val_acc is maximised the same way in every view and the guess lives in
 * one place.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

/* Words that make a metric one to maximise; a word may carry a number
 * (acc1, map50, ap75, ndcg10). */
static const char *const max_words[] = {
    "acc", "accuracy", "auc", "auroc", "auprc", "ap", "map", "f1", "fscore", "f1score",
    "precision", "recall", "iou", "miou", "dice", "r2", "score", "reward", "rewards",
    "return", "bleu", "rouge", "meteor", "ndcg", "mrr", "psnr", "ssim", "kappa", "mcc",
    "hit", "hits", "sharpe", "top1", "top5", NULL};

/* Words that make it one to minimise even next to a max word: acc_loss,
 * top1_error, score_std. */
static const char *const min_words[] = {
    "loss", "error", "err", "mse", "mae", "rmse", "mape", "nll", "ppl", "perplexity",
    "cer", "wer", "regret", "cost", "latency", "time", "std", "fid", "bpd", NULL};

/* Whether w[0..n) is one of list, ignoring case; a trailing number is
 * also tried without it (map50 as map). */
static bool word_in(const char *w, size_t n, const char *const *list)
{
    size_t bare = n;
    while (bare > 0 && isdigit((unsigned char)w[bare - 1]))
        bare--;
    for (size_t k = 0; list[k]; k++) {
        size_t len = strlen(list[k]);
        if ((len == n || len == bare) && strncasecmp(w, list[k], len) == 0)
            return true;
    }
    return false;
}

/* Whether a word of w[0..n) (a run of letters and digits) is in list: the
 * run itself (miou, val), or one of its camelCase humps (valAcc: Acc). */
static bool run_in(const char *w, size_t n, const char *const *list)
{
    if (word_in(w, n, list))
        return true;
    size_t start = 0;
    for (size_t i = 1; i <= n; i++)
        if (i == n || (islower((unsigned char)w[i - 1]) && isupper((unsigned char)w[i]))) {
            if (start > 0 || i < n)
                if (word_in(w + start, i - start, list))
                    return true;
            start = i;
        }
    return false;
}

/* Whether name has a word of list; words are split at anything but a
 * letter or digit (val_acc, eval/f1, top-1.acc). */
static bool has_word(const char *name, const char *const *list)
{
    const char *p = name;
    while (*p) {
        while (*p && !isalnum((unsigned char)*p))
            p++;
        const char *w = p;
        while (*p && isalnum((unsigned char)*p))
            p++;
        if (p > w && run_in(w, (size_t)(p - w), list))
            return true;
    }
    return false;
}

/* The goal a metric's name suggests: a loss-like word wins over an
 * accuracy-like one; a name with neither is taken as a loss, the common
 * case and the sweep's default goal. */
static tt_goal goal_from_name(const char *name)
{
    if (has_word(name, min_words))
        return TT_GOAL_MINIMIZE;
    return has_word(name, max_words) ? TT_GOAL_MAXIMIZE : TT_GOAL_MINIMIZE;
}

tt_goal tt_sweep_metric_goal(const tt_sweep *sweep, const char *name)
{
    if (!name)
        return TT_GOAL_MINIMIZE;
    if (sweep && sweep->metric.name && strcmp(name, sweep->metric.name) == 0)
        return sweep->metric.goal;
    for (size_t i = 0; sweep && sweep->metric_goals && i < sweep->n_metrics; i++)
        if (strcmp(name, sweep->metrics[i]) == 0)
            return sweep->metric_goals[i];
    return goal_from_name(name);
}
