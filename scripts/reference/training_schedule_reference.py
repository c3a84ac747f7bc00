"""Golden learning rates and EMA decays for src/training, transcribed from the paper's code
(hojonathanho/diffusion), independent of the TypeScript trainer.

- `get_warmed_up_lr` (diffusion_tf/utils.py):

      def get_warmed_up_lr(max_lr, warmup, global_step):
        if warmup == 0:
          return max_lr
        return max_lr * tf.minimum(tf.cast(global_step, tf.float32) / float(warmup), 1.0)

  global_step counts the optimiser steps done before this one, so the first step's lr is 0.
- `make_ema` (diffusion_tf/tpu_utils/tpu_utils.py):

      ema = tf.train.ExponentialMovingAverage(decay=tf.where(tf.less(global_step, 1), 1e-10, ema_decay))

  the first update (global_step 0) has decay 1e-10, i.e. it copies the weights; every later one
  uses the constant ema_decay.
- The warm-up the lab offers instead is tf.train.ExponentialMovingAverage's own `num_updates`
  rule: decay = min(decay, (1 + num_updates) / (10 + num_updates)), num_updates counting the
  updates done before this one.

Both EMA rules update shadow = decay * shadow + (1 - decay) * value (TF writes it
shadow -= (1 - decay) * (shadow - value)).

The cases are the paper's CIFAR-10 run (run_cifar.py: lr 2e-4, warmup 5000, ema_decay 0.9999),
the lab's mnist preset (lr 5e-4, warmup 500, ema_decay 0.999, with the num_updates warm-up), and
small cases where the warm-ups end within the five steps, both EMA rules, with and without lr
warm-up.

Run:  /usr/bin/python3 scripts/reference/training_schedule_reference.py
Writes scripts/reference/fixtures/training_schedule.json.
"""

import json
import os

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "training_schedule.json")

STEPS = 5


def get_warmed_up_lr(max_lr, warmup, global_step):
    """diffusion_tf/utils.py, in float64 (TF's graph rounds to float32; the lab computes the lr in
    float64 and its optimiser kernels take it as float32, so float64 is the comparable value)."""
    if warmup == 0:
        return max_lr
    return max_lr * min(float(global_step) / float(warmup), 1.0)


def make_ema_decay(global_step, ema_decay):
    """The decay make_ema hands tf.train.ExponentialMovingAverage (tpu_utils.py)."""
    return 1e-10 if global_step < 1 else ema_decay


def num_updates_ema_decay(ema_decay, num_updates):
    """tf.train.ExponentialMovingAverage(decay, num_updates=...): the warm-up the lab's small presets use."""
    return min(ema_decay, (1.0 + num_updates) / (10.0 + num_updates))


def ema_decay_at(ema_decay, ema_warmup, step):
    return num_updates_ema_decay(ema_decay, step) if ema_warmup else make_ema_decay(step, ema_decay)


CASES = [
    # name, lr, warmup steps, ema decay, ema warm-up
    ("paper", 2e-4, 5000, 0.9999, False),
    ("mnist", 5e-4, 500, 0.999, True),
    ("short, paper EMA", 1e-2, 3, 0.9, False),
    ("short, EMA warm-up", 1e-2, 3, 0.9, True),
    ("no lr warm-up, paper EMA", 3e-3, 0, 0.99, False),
    ("no lr warm-up, EMA warm-up", 3e-3, 0, 0.99, True),
]


def main():
    cases = []
    for name, lr, warmup, decay, ema_warmup in CASES:
        cases.append(
            {
                "name": name,
                "lr": lr,
                "warmupSteps": warmup,
                "emaDecay": decay,
                "emaWarmup": ema_warmup,
                "steps": [
                    {
                        "global_step": n,
                        "lr": get_warmed_up_lr(lr, warmup, n),
                        "ema_decay": ema_decay_at(decay, ema_warmup, n),
                    }
                    for n in range(STEPS)
                ],
            }
        )
    with open(OUT, "w") as f:
        json.dump({"cases": cases}, f, indent=1)
        f.write("\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
