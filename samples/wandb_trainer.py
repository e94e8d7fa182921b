#!/usr/bin/env python3
"""wandb_trainer.py - a stand-in training script for W&B-style sweep files.

The sample sweeps in samples/sweeps/ that use W&B's default command
(`${env} ${interpreter} ${program} ${args}`, i.e. `python3 PROGRAM --name=value ...`)
point `program` here. It does not train anything: it turns whatever
hyperparameters it is given into a plausible, noisy, deterministic training
curve and prints one line per epoch in tunetop's `k=v` form:

    epoch=3 loss=0.4123 val_loss=0.4519 accuracy=0.8312 val_accuracy=0.8127 grad_norm=0.91

(every metric a sample sweep names: loss, val_loss, accuracy, val_accuracy,
val_acc, grad_norm). Standard library only; a trial takes well under a second.

Arguments: any parameter names, in every form tunetop's (and W&B's) command
macros produce: `--name=value` (${args}), `--name value` (${args_no_equals}),
a bare `--flag` (${args_no_boolean_flags}), `name=value` (${args_no_hyphens}),
`+name=value` / `++name=value` (Hydra), a JSON object (${args_json}) and the
path of a JSON file (${args_json_file}). Values are read as W&B writes them:
True/False, None, numbers, JSON lists and objects (`--hidden=[64, 64]`),
otherwise strings. Nested names (`optimizer.lr`, `model.layers`) are
recognised by their last part (`optimizer.name` is the optimizer).

Recognised names (the rest each add a small deterministic effect, from a
hash of the name and value, so every parameter matters a little):
  learning rate  lr, learning_rate, eta, eta0, *_lr (their geometric mean)
  batch_size     batch_size, batch, bs
  epochs         epochs, num_epochs, n_epochs, max_epochs (default 10)
  dropout        dropout, dropout_rate, drop_rate, *_dropout (True means 0.2)
  optimizer      optimizer, optim, opt, solver: sgd, adam, adamw, rmsprop, ...
  momentum       momentum, beta1, beta_1;  weight decay: weight_decay, wd, l2
  width          hidden, hidden_size, units, width, *_width, *_units (a list
                 such as [64, 64] gives the width and the depth)
  depth          layers, num_layers, n_layers, depth, *_layers
  activation     activation, act: relu, gelu, tanh, ...
  seed           seed (changes the noise only)
  epoch_time     seconds to sleep per epoch (pacing for demos; default 0)
Ignored (bookkeeping): trial, trial_id, trial_dir, out, output_dir, home, ...

Environment: TUNETOP_FOLD / TUNETOP_FOLDS (cross-validation fold: a different
validation split, so a slightly different curve and noise) and
TUNETOP_REPEAT (a repetition: different noise); all optional.

Exit status 0 on success; 2 with a message on stderr for an unusable
argument or value (`--lr=abc`, `--batch_size=0`, `--dropout=1.5`).
"""
import json
import math
import os
import random
import sys
import time
import zlib

PROG = "wandb_trainer"


class Usage(Exception):
    pass


# ---- reading the arguments -------------------------------------------------

def parse_value(text):
    """A value as W&B prints it: Python's str() of a bool/None/number, JSON
    text for lists and objects, anything else a string."""
    t = text.strip()
    if t in ("True", "true"):
        return True
    if t in ("False", "false"):
        return False
    if t in ("None", "null"):
        return None
    if t[:1] in ("[", "{"):
        try:
            return json.loads(t)
        except ValueError:
            return text
    try:
        return int(t)
    except ValueError:
        pass
    try:
        return float(t)
    except ValueError:
        return text


def is_option(tok):
    """Whether tok starts a new argument rather than being a value."""
    if tok.startswith("--") or tok.startswith("+"):
        return True
    if tok.startswith("-") and len(tok) > 1 and not (tok[1].isdigit() or tok[1] == "."):
        return True
    return False


def looks_like_assignment(tok):
    head, eq, _ = tok.partition("=")
    return bool(eq) and head != "" and all(c.isalnum() or c in "._-" for c in head)


def starts_argument(tok):
    """Whether tok, after a bare --name, is the next argument (so --name is a
    flag) rather than the value of --name."""
    return is_option(tok) or looks_like_assignment(tok) or tok.startswith("{") or \
        (tok.endswith(".json") and os.path.isfile(tok))


def parse_args(argv):
    params = {}
    i = 0
    while i < len(argv):
        tok = argv[i]
        i += 1
        if tok.startswith("--") and len(tok) > 2:
            body = tok[2:]
            if "=" in body:
                name, _, val = body.partition("=")
                params[name] = parse_value(val)
            elif i < len(argv) and not starts_argument(argv[i]):
                params[body] = parse_value(argv[i])     # ${args_no_equals}
                i += 1
            else:
                params[body] = True            # a bare flag: ${args_no_boolean_flags}
        elif tok.startswith("+"):
            body = tok.lstrip("+")
            name, eq, val = body.partition("=")
            if not eq or not name:
                raise Usage("cannot read argument %r (expected +name=value)" % tok)
            params[name] = parse_value(val)
        elif tok.startswith("{"):
            try:
                obj = json.loads(tok)
            except ValueError as e:
                raise Usage("argument %r is not a JSON object: %s" % (tok[:60], e))
            if not isinstance(obj, dict):
                raise Usage("argument %r is not a JSON object" % tok[:60])
            params.update(obj)             # ${args_json}: flat, dotted names
        elif looks_like_assignment(tok):
            name, _, val = tok.partition("=")
            params[name] = parse_value(val)
        elif tok.endswith(".json") and os.path.isfile(tok):
            try:
                with open(tok) as f:
                    obj = json.load(f)
            except (OSError, ValueError) as e:
                raise Usage("cannot read parameters from %s: %s" % (tok, e))
            if not isinstance(obj, dict):
                raise Usage("%s does not hold a JSON object of parameters" % tok)
            params.update(obj)             # ${args_json_file}
        else:
            raise Usage("unexpected argument %r (expected --name=value)" % tok)
    return params


# ---- what the names mean ---------------------------------------------------

IGNORED = {"trial", "trial_id", "trial_dir", "out", "output", "output_dir", "out_dir", "home",
           "log_dir", "logdir", "checkpoint_dir", "run_name", "project", "entity", "data",
           "data_dir", "fold", "repeat", "epoch_time"}
LR = {"lr", "learning_rate", "learningrate", "eta", "eta0", "step_size"}
BATCH = {"batch_size", "batch", "bs", "batchsize", "train_batch_size"}
EPOCHS = {"epochs", "num_epochs", "n_epochs", "max_epochs", "epoch"}
DROPOUT = {"dropout", "dropout_rate", "drop_rate", "p_dropout", "dropout_prob"}
OPTIMIZER = {"optimizer", "optim", "opt", "solver", "optimizer_name"}
MOMENTUM = {"momentum", "beta1", "beta_1"}
WEIGHT_DECAY = {"weight_decay", "wd", "l2", "l2_reg", "weight_decay_rate"}
WIDTH = {"hidden", "hidden_size", "hidden_units", "hidden_dim", "units", "width", "neurons",
         "d_model", "num_units", "n_units"}
DEPTH = {"layers", "num_layers", "n_layers", "depth", "num_hidden_layers"}
ACTIVATION = {"activation", "act", "activation_fn", "nonlinearity"}
SEED = {"seed", "random_seed"}

# The learning rate each optimizer likes best, and how fast it converges.
OPTIMIZERS = {
    "sgd": (0.05, 0.8), "momentum": (0.03, 1.0), "nesterov": (0.03, 1.05),
    "adam": (0.002, 1.2), "adamw": (0.002, 1.25), "nadam": (0.002, 1.2),
    "rmsprop": (0.001, 1.1), "adagrad": (0.02, 0.85), "adadelta": (1.0, 0.8),
    "lbfgs": (0.5, 1.0), "lamb": (0.003, 1.2), "lion": (0.0003, 1.2),
}
ACTIVATIONS = {"relu": 0.0, "gelu": -0.01, "silu": -0.01, "swish": -0.01, "elu": 0.0,
               "leaky_relu": -0.005, "selu": 0.005, "tanh": 0.03, "sigmoid": 0.08,
               "linear": 0.25, "identity": 0.25}


def key_of(name):
    """The recognisable part of a (possibly dotted) name, lower case:
    optimizer.lr -> lr, optimizer.name -> optimizer, model.layers -> layers."""
    parts = name.lower().replace("-", "_").split(".")
    last = parts[-1]
    if last in ("name", "_name", "type", "kind") and len(parts) > 1 and \
            parts[-2] in OPTIMIZER | ACTIVATION:
        return parts[-2]
    return last


def hash01(text):
    return zlib.crc32(text.encode("utf-8")) / 2.0 ** 32


def unknown_effect(name, value):
    """A small (0..0.04) deterministic effect of a parameter we do not know:
    smooth in a number, a hashed constant for anything else."""
    amp = 0.01 + 0.03 * hash01("amp:" + name)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return amp * hash01(name + "=" + json.dumps(value, sort_keys=True))
    x = float(value)
    if not math.isfinite(x):
        return amp
    t = math.copysign(math.log1p(abs(x)), x)
    phase = 6.283 * hash01("phase:" + name)
    return amp * 0.5 * (1 - math.cos(1.7 * t + phase))


def number(name, value, lo=None, hi=None, lo_open=False, hi_open=False, integer=False):
    """value as a number within [lo, hi] (or open ends), else Usage."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise Usage("--%s=%s: expected a number" % (name, fmt_value(value)))
    if integer and value != int(value):
        raise Usage("--%s=%s: expected a whole number" % (name, fmt_value(value)))
    bad = (lo is not None and (value <= lo if lo_open else value < lo)) or \
          (hi is not None and (value >= hi if hi_open else value > hi))
    if bad:
        rng = "%s%s, %s%s" % ("(" if lo_open else "[", "-inf" if lo is None else lo,
                              "inf" if hi is None else hi, ")" if hi_open else "]")
        raise Usage("--%s=%s: out of range %s" % (name, fmt_value(value), rng))
    return int(value) if integer else float(value)


def fmt_value(v):
    if isinstance(v, str):
        return v
    if isinstance(v, (list, dict)):
        return json.dumps(v)
    return str(v)


class Config:
    def __init__(self, params):
        self.lrs = []
        self.batch_size = 32
        self.epochs = 10
        self.dropout = 0.1
        self.optimizer = None
        self.momentum = None
        self.weight_decay = 1e-4
        self.widths = []
        self.depths = []
        self.activation = "relu"
        self.seed = 0
        self.epoch_time = 0.0
        self.extra = 0.0                # the unknown parameters' effects
        self.params = params
        for name, value in sorted(params.items()):
            self.take(name, value)

    def take(self, name, value):
        k = key_of(name)
        if k == "epoch_time":
            self.epoch_time = number(name, value, 0, 60)
        elif k in IGNORED or value is None:
            return
        elif k in LR or (k.endswith("_lr") and not k.startswith(("min_", "max_", "final_", "end_"))):
            self.lrs.append(number(name, value, 0, 100, lo_open=True))
        elif k in BATCH:
            self.batch_size = number(name, value, 1, 1 << 20, integer=True)
        elif k in EPOCHS:
            self.epochs = number(name, value, 1, 10000, integer=True)
        elif k in DROPOUT or k.endswith("_dropout"):
            if isinstance(value, bool):
                self.dropout = 0.2 if value else 0.0
            else:
                self.dropout = number(name, value, 0, 1, hi_open=True)
        elif k in OPTIMIZER:
            if not isinstance(value, str) or not value:
                raise Usage("--%s=%s: expected an optimizer name" % (name, fmt_value(value)))
            self.optimizer = value.lower()
        elif k in MOMENTUM:
            self.momentum = number(name, value, 0, 1, hi_open=True)
        elif k in WEIGHT_DECAY:
            self.weight_decay = number(name, value, 0, 10)
        elif k in WIDTH or k.endswith(("_width", "_units", "_hidden", "_hidden_size")):
            if isinstance(value, list):
                if not value:
                    raise Usage("--%s=[]: expected at least one layer width" % name)
                ws = [number(name, w, 1, 1 << 20) for w in value]
                self.widths.append(sum(ws) / len(ws))
                self.depths.append(len(ws))
            else:
                self.widths.append(number(name, value, 1, 1 << 20))
        elif k in DEPTH or k.endswith("_layers"):
            self.depths.append(number(name, value, 0, 1000, integer=True))
        elif k in ACTIVATION:
            if not isinstance(value, str):
                raise Usage("--%s=%s: expected an activation name" % (name, fmt_value(value)))
            self.activation = value.lower()
        elif k in SEED:
            self.seed = value
        else:
            self.extra += unknown_effect(name, value)


# ---- the synthetic curve ---------------------------------------------------

def env_int(name):
    v = os.environ.get(name)
    if v is None or v == "":
        return None
    try:
        n = int(v)
    except ValueError:
        raise Usage("%s=%r: expected a whole number" % (name, v))
    if n < 0:
        raise Usage("%s=%d: expected a number >= 0" % (name, n))
    return n


def train(cfg, fold, folds, repeat, out):
    opt = cfg.optimizer or ("sgd" if cfg.momentum is not None else "adam")
    best_lr, speed = OPTIMIZERS.get(opt, (0.003 + 0.05 * hash01("opt:" + opt), 0.9))
    floor = 0.08 + (0.05 * hash01("optfloor:" + opt) if opt not in OPTIMIZERS else 0.0)

    lr = math.exp(sum(math.log(x) for x in cfg.lrs) / len(cfg.lrs)) if cfg.lrs else best_lr
    # Too small a learning rate is slow; too large is unstable.
    ratio = math.log10(lr / best_lr)
    floor += 0.12 * ratio * ratio
    speed *= min(1.6, max(0.03, 10 ** (0.8 * min(ratio, 0.3))))
    unstable = max(0.0, ratio - 0.7)            # > 5x the best: noisy, worse
    floor += 0.5 * unstable

    if opt in ("sgd", "momentum", "nesterov"):
        m = 0.9 if cfg.momentum is None else cfg.momentum
        speed *= 0.4 + 0.8 * m
        floor += 0.3 * max(0.0, m - 0.95)
    elif cfg.momentum is not None:            # beta1 of an adaptive optimizer
        floor += 0.6 * (cfg.momentum - 0.9) ** 2

    floor += 0.015 * math.log2(cfg.batch_size / 48.0) ** 2
    speed *= min(1.5, (64.0 / cfg.batch_size) ** 0.25)

    wd = cfg.weight_decay
    floor += 0.01 * (math.log10(max(wd, 1e-9) / 1e-4)) ** 2 / 4 + 2.0 * max(0.0, wd - 0.01)

    width = sum(cfg.widths) / len(cfg.widths) if cfg.widths else 64.0
    depth = sum(cfg.depths) / len(cfg.depths) if cfg.depths else 2.0
    capacity = width * max(depth, 0.5)
    floor += 0.35 * math.exp(-capacity / 40.0)                 # underfitting
    floor += 0.02 * (depth - 3) ** 2 / 4
    overfit = 0.0012 * math.sqrt(capacity) * (1.0 - 0.8 * min(cfg.dropout / 0.3, 1.0))
    floor += 0.3 * max(0.0, cfg.dropout - 0.3) ** 2 * 4
    speed *= 1.0 - 0.5 * cfg.dropout

    floor += ACTIVATIONS.get(cfg.activation, 0.02 + 0.04 * hash01("act:" + cfg.activation))
    floor += cfg.extra

    # The fold is another validation split: a little harder or easier.
    val_shift = 0.0
    if fold is not None:
        val_shift = 0.03 * (hash01("fold:%d/%s" % (fold, folds)) - 0.5)
    key = json.dumps(cfg.params, sort_keys=True, default=str)
    rng = random.Random("%s|%s|%s|%s|%s" % (key, cfg.seed, fold, folds, repeat))

    start = math.log(10.0)                       # ten classes: chance
    noise = 0.012 + 0.05 * unstable
    for epoch in range(1, cfg.epochs + 1):
        progress = 1.0 - math.exp(-speed * epoch / 4.0)
        loss = start - (start - floor) * progress
        loss *= math.exp(rng.gauss(0.0, noise))
        gap = 0.02 + overfit * epoch + val_shift
        val_loss = max(1e-4, loss + gap + rng.gauss(0.0, noise * 0.8))
        loss = max(1e-4, loss)
        acc = accuracy_of(loss, rng)
        val_acc = accuracy_of(val_loss, rng)
        grad = (0.2 + 2.0 * (loss - floor * 0.9)) * math.sqrt(lr / best_lr) * \
            math.exp(rng.gauss(0.0, 0.1))
        out.write("epoch=%d loss=%.5f val_loss=%.5f accuracy=%.4f val_accuracy=%.4f "
                  "val_acc=%.4f grad_norm=%.4f\n"
                  % (epoch, loss, val_loss, acc, val_acc, val_acc, max(grad, 1e-4)))
        out.flush()
        if cfg.epoch_time > 0:
            time.sleep(cfg.epoch_time)


def accuracy_of(loss, rng):
    """An accuracy to go with a cross-entropy over ten classes: 0.1 at
    chance (ln 10), about 0.77 at 0.4, 0.93 at 0.1."""
    a = 1.0 - 0.9 * min(1.0, loss / math.log(10.0)) ** 0.8 + rng.gauss(0.0, 0.004)
    return min(0.999, max(0.0, a))


def main(argv):
    try:
        cfg = Config(parse_args(argv))
        fold, folds, repeat = env_int("TUNETOP_FOLD"), env_int("TUNETOP_FOLDS"), \
            env_int("TUNETOP_REPEAT")
    except Usage as e:
        sys.stderr.write("%s: %s\n" % (PROG, e))
        return 2
    try:
        train(cfg, fold, folds, repeat, sys.stdout)
    except BrokenPipeError:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
