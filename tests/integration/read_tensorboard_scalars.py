"""Reads a run's TensorBoard event files with TensorBoard's own reader and prints every scalar as JSON.

Usage: python3 read_tensorboard_scalars.py LOGDIR OUT.json
Writes {"TAG": [[step, value, wall_time], ...], ...} to OUT.json (TensorBoard logs to the terminal). EventAccumulator is what `tensorboard --logdir`
loads scalars with: it checks each record's CRCs, parses the Event messages and applies session restarts
(a resumed run's values after its resume step, from an earlier file, are dropped).
"""
import json
import sys

from tensorboard.backend.event_processing import event_accumulator


def main():
    acc = event_accumulator.EventAccumulator(sys.argv[1], size_guidance={event_accumulator.SCALARS: 0})
    acc.Reload()
    out = {}
    for tag in acc.Tags()["scalars"]:
        out[tag] = [[e.step, e.value, e.wall_time] for e in acc.Scalars(tag)]
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
