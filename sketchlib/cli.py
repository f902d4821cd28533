"""The command line: ``sketchlib train`` and ``sketchlib sample``.

    sketchlib train --data aaron_sheep --log-root runs/sheep [--conditional] [--resume]
                    [--hparams k=v,...] [--distribute]
    sketchlib sample --model runs/sheep --n 16 --out sheep.svg
    sketchlib sample --model runs/sheep_vae --reconstruct aaron_sheep.npz --out recon.svg

Errors a user can fix (a missing dataset, a bad hyper-parameter, a log root that holds another
model) print one line and exit with status 2; nothing already written is touched.
"""

from __future__ import annotations

import argparse
import errno
import os
import sys
from pathlib import Path

from .hparams import (DEFAULT_PEN_TEMPERATURE, DEFAULT_TEMPERATURE, HParams, parse_overrides,
                      written_atomically)

#: Defaults of ``sketchlib train``: the reference's, decoder-only unless ``--conditional``.
TRAIN_DEFAULTS = HParams(conditional=False)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sketchlib", description="Train Sketch-RNN models and draw with them.")
    commands = parser.add_subparsers(dest="command", required=True)

    train = commands.add_parser(
        "train", help="train a model (checkpoints every save_every steps; resumable)")
    train.add_argument("--data", required=True, nargs="+", metavar="NAME",
                       help="dataset names or .npz paths (several, or comma-separated, make one "
                            "multi-class dataset): aaron_sheep, omniglot, kanji, cat, ...")
    train.add_argument("--log-root", required=True, type=Path,
                       help="folder for checkpoints, hparams.json and log.csv")
    train.add_argument("--conditional", action="store_true",
                       help="train the VAE (encoder and z) instead of the decoder-only model "
                            "(the same as --hparams conditional=true)")
    train.add_argument("--resume", action="store_true",
                       help="continue the run in --log-root from its latest checkpoint")
    train.add_argument("--from", dest="resume_from", choices=("latest", "best"),
                       default="latest",
                       help="with --resume: the checkpoint to continue from; best goes back to "
                            "the best validation loss and deletes the later checkpoints (after "
                            "a run blew up, say)")
    train.add_argument("--hparams", default="",
                       help="comma-separated overrides, e.g. dec_rnn_size=256,num_steps=20000 "
                            "(with --resume: of the run's saved hyper-parameters)")
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--group-by-length", action="store_true",
                       help="batch sketches of similar length (about 2x faster on CPU)")
    precision = train.add_mutually_exclusive_group()
    precision.add_argument("--bfloat16", action="store_true", default=None,
                           help="run the recurrence in mixed bfloat16 (faster on CPUs with "
                                "AVX512-BF16; slower elsewhere); weights and loss stay float32")
    precision.add_argument("--float32", dest="bfloat16", action="store_false",
                           help="run it in float32 (the default of a new run; a resumed run "
                                "keeps its own precision unless one of these two is given)")
    train.add_argument("--distribute", action="store_true",
                       help="data-parallel training: split each batch over all devices (every "
                            "GPU; every host's, see the README); batch_size must divide by "
                            "their number; needs KERAS_BACKEND=jax; a resumed run uses it only "
                            "if given again")
    train.add_argument("--verbose", type=int, choices=(0, 1, 2), default=None,
                       help="0 silent, 1 progress bar, 2 one line per checkpoint interval "
                            "(default: 1 in a terminal, else 2)")

    sample = commands.add_parser("sample", help="draw sketches with a trained model")
    sample.add_argument("--model", required=True,
                        help="a log root, a checkpoint folder, or a pretrained model name "
                             "(e.g. sheep_decoder)")
    sample.add_argument("--n", type=int, default=16, help="number of sketches")
    sample.add_argument("--temperature", type=float, default=DEFAULT_TEMPERATURE,
                        help="sampling temperature: pen and mixture logits / tau, sigmas * tau "
                             f"(default {DEFAULT_TEMPERATURE})")
    sample.add_argument("--pen-temperature", type=float, default=DEFAULT_PEN_TEMPERATURE,
                        help="the temperature of the pen logits alone (default "
                             f"{DEFAULT_PEN_TEMPERATURE}: the model's own pen probabilities; "
                             "give the same value as --temperature to temper everything)")
    sample.add_argument("--greedy", action="store_true", help="most likely choice every step")
    what = sample.add_mutually_exclusive_group()
    what.add_argument("--reconstruct", metavar="DATA",
                      help="conditional models: draw back the first --n sketches of a split "
                           "of this dataset (a name or an .npz path), normalised with the "
                           "model's scale factor")
    what.add_argument("--z", metavar="FILE",
                      help="conditional models: draw from the codes in this .npy file, "
                           "(n, z_size) or (z_size,)")
    sample.add_argument("--split", choices=("train", "valid", "test"), default="test",
                        help="the split of --reconstruct (default test)")
    sample.add_argument("--seed", type=int, default=0)
    sample.add_argument("--checkpoint", choices=("best", "latest"), default="best",
                        help="which checkpoint of a log root")
    sample.add_argument("--columns", type=int, default=4)
    sample.add_argument("--out", required=True, type=Path,
                        help="output file: .svg (vector) or .png")

    export = commands.add_parser(
        "export", help="write a decoder-only LSTM model for Magenta's browser library "
                       "(@magenta/sketch)")
    export.add_argument("--model", required=True,
                        help="a log root, a checkpoint folder, or a pretrained model name")
    export.add_argument("--checkpoint", choices=("best", "latest"), default="best",
                        help="which checkpoint of a log root")
    export.add_argument("--name", default=None,
                        help="the model's name in the file (default: its dataset)")
    export.add_argument("--out", required=True, type=Path, help="output file (.json)")
    return parser


def _train(args) -> None:
    from .datasets import load_dataset
    from .checkpoints import HPARAMS
    from .training import train

    if args.resume_from != "latest" and not args.resume:
        raise ValueError("--from needs --resume")
    _check_writable(args.log_root, "--log-root", folder=True)
    names = [name for item in args.data for name in item.split(",") if name]
    saved = args.log_root / HPARAMS
    resumed = args.resume and saved.exists()
    base = HParams.load(saved) if resumed else TRAIN_DEFAULTS
    overrides = parse_overrides(args.hparams)
    if args.conditional:
        value = overrides.get("conditional", True)
        if value is not True:
            shown = str(value).lower() if isinstance(value, bool) else value
            raise ValueError(f"--conditional and --hparams conditional={shown} disagree")
        overrides["conditional"] = True
    hps = base.replace(data_set=",".join(names), **overrides)
    # max_seq_len follows the data (its longest sketch) unless set here, as a cap.
    cap = hps.max_seq_len if resumed or "max_seq_len" in overrides else None
    dataset = load_dataset(names, max_seq_len=cap)
    verbose = args.verbose if args.verbose is not None else (1 if sys.stdout.isatty() else 2)
    print(f"training on {', '.join(names)}: {len(dataset.train)} sketches (longest "
          f"{dataset.max_seq_len} steps), scale factor {dataset.scale_factor:.3f}; one "
          f"progress-bar epoch = {hps.save_every} steps")
    clamped = sum(dataset.clamped.values())
    if clamped:
        print(f"{clamped} sketches have an offset beyond +-1000, clipped to it as the "
              "reference does")
    train(hps, dataset, args.log_root, resume=args.resume, seed=args.seed,
          group_by_length=args.group_by_length, bfloat16=args.bfloat16, verbose=verbose,
          resume_from=args.resume_from, distribute=args.distribute)
    print(f"draw with: sketchlib sample --model {args.log_root} --out samples.svg")


def _sample(args) -> None:
    from .draw import grid_svg, plot_grid
    from .pretrained import load
    from .sampling import sample

    if args.n < 1:
        raise ValueError(f"--n must be at least 1, got {args.n}")
    if args.columns < 1:
        raise ValueError(f"--columns must be at least 1, got {args.columns}")
    suffix = args.out.suffix.lower()
    if suffix not in (".svg", ".png"):
        raise ValueError(f"--out must end in .svg or .png, got {args.out.name!r}")
    _check_writable(args.out, "--out")
    model = load(args.model, which=args.checkpoint)
    print(f"sampling from {model.data['checkpoint']}")
    options = dict(greedy=args.greedy, seed=args.seed, pen_temperature=args.pen_temperature)
    if args.reconstruct or args.z:
        if not model.hps.conditional:
            raise ValueError(f"{args.model} is decoder-only: --reconstruct and --z need a "
                             "conditional model (train one with --conditional)")
        z = _codes(args, model)
        sketches = sample(model, len(z), args.temperature, z=z, **options)
    else:
        sketches = sample(model, args.n, args.temperature, **options)
    empty = sum(1 for s in sketches if not len(s))
    if empty == len(sketches):
        raise ValueError("every sketch ended at its first step; try a higher --temperature")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with written_atomically(args.out) as temporary:
        if suffix == ".svg":
            grid_svg(sketches, temporary, ncols=args.columns)
        else:
            import matplotlib
            matplotlib.use("Agg")
            plot_grid(sketches, ncols=min(args.columns, len(sketches))).savefig(temporary,
                                                                                dpi=100)
    print(f"wrote {len(sketches)} sketches to {args.out}"
          + (f" ({empty} ended at their first step, shown as '(empty)' in their place)"
             if empty else ""))


def _export(args) -> None:
    from .browser import export_browser_model
    from .pretrained import load

    if args.out.suffix.lower() != ".json":
        raise ValueError(f"--out must end in .json, got {args.out.name!r}")
    _check_writable(args.out, "--out")
    model = load(args.model, which=args.checkpoint)
    count, clipped = export_browser_model(model, args.out, name=args.name)
    print(f"wrote {args.out}: {count:,d} weights as int16; {clipped} beyond +-10 clipped"
          + (" (the browser's drawings will differ from sketchlib's)" if clipped else ""))


def _codes(args, model):
    """The codes ``(n, z_size)`` that ``--reconstruct`` or ``--z`` ask for."""
    import numpy as np

    from .latent import encode

    if args.z:
        try:
            z = np.load(args.z)
        except (OSError, ValueError) as error:
            raise ValueError(f"--z {args.z}: not a readable .npy file ({error})") from None
        if z.size == 0:
            raise ValueError(f"--z {args.z}: the file holds no codes (shape {z.shape})")
        if z.ndim not in (1, 2) or z.shape[-1] != model.hps.z_size:
            raise ValueError(f"--z {args.z}: expected codes of shape (n, {model.hps.z_size}) "
                             f"or ({model.hps.z_size},), got {z.shape}")
        return z.reshape(-1, model.hps.z_size).astype("float32")
    from .datasets import load_raw, prepare

    data = prepare(load_raw(args.reconstruct), scale_factor=model.data["scale_factor"])
    sketches = data.split(args.split)[:args.n]
    if not sketches:
        raise ValueError(f"--reconstruct {args.reconstruct}: its {args.split} split is empty")
    print(f"reconstructing the first {len(sketches)} sketches of {args.split} of "
          f"{args.reconstruct}")
    return encode(model, sketches)


def _interrupted(args) -> str:
    """The line printed after Ctrl-C: for training, where the run can go on from."""
    if args.command != "train":
        return f"sketchlib {args.command}: interrupted"
    if not args.log_root.is_dir():  # stopped before the run wrote anything
        return ("sketchlib train: interrupted before anything was written: run the same "
                "command again (without --resume)")
    return f"sketchlib train: interrupted; {_where_to_go_on(args.log_root)}"


def _where_to_go_on(log_root: Path) -> str:
    """Where a stopped run can go on from, and how."""
    from .checkpoints import find_checkpoint

    try:
        where = f"the last checkpoint is {find_checkpoint(log_root, 'latest')}"
    except FileNotFoundError:
        where = "no checkpoint was written yet"
    return f"{where}: continue with the same command and --resume"


def _disk_full(error: OSError) -> bool:
    return (error.errno in (errno.ENOSPC, errno.EDQUOT)
            or "No space left on device" in str(error))


def _disk_full_message(args, error: OSError) -> str:
    """The line printed when the disk fills up: what could not be written, what is safe."""
    what = f"the disk is full (writing {error.filename})" if error.filename else \
        "the disk is full"
    if args.command == "train":
        return f"{what}; {_where_to_go_on(args.log_root)} once there is space"
    return (f"{what}; no file was changed (every write is atomic): free some space and run "
            "it again")


def _check_writable(path: Path, option: str, folder: bool = False) -> None:
    """Refuse, before any work is done, an output that cannot be written: a file where a
    folder is wanted or the other way round, or a place where this user may not write (the
    nearest folder above ``path`` that exists)."""
    if path.exists() and path.is_dir() != folder:
        raise ValueError(f"{option} {path} is a {'file' if folder else 'folder'}, not a "
                         f"{'folder' if folder else 'file'}")
    existing = path if folder and path.exists() else path.parent
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise ValueError(f"{option} {path}: {existing} is a file, not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ValueError(f"{option} {path}: {existing} is not writable")


def main(argv=None) -> int:
    try:
        args = _parser().parse_args(argv)
    except KeyboardInterrupt:  # while the libraries load
        print("sketchlib: interrupted", file=sys.stderr)
        return 130
    try:
        {"train": _train, "sample": _sample, "export": _export}[args.command](args)
    except KeyboardInterrupt:
        print(_interrupted(args), file=sys.stderr)
        return 130
    except (ValueError, FileNotFoundError, FileExistsError, KeyError,
            FloatingPointError) as error:
        message = error.args[0] if isinstance(error, KeyError) and error.args else error
        print(f"sketchlib {args.command}: error: {message}", file=sys.stderr)
        return 2
    except OSError as error:
        if not _disk_full(error):
            raise
        print(f"sketchlib {args.command}: error: {_disk_full_message(args, error)}",
              file=sys.stderr)
        # The half-written weights file fails again as h5py closes it: its tracebacks would
        # bury the line above, and the libraries' teardown may crash. The command line
        # (command_line) ends the process at once.
        sys.unraisablehook = lambda unraisable: None
        sys.excepthook = lambda *exception: None
        global _END_AT_ONCE
        _END_AT_ONCE = True
        return 2
    return 0


_END_AT_ONCE = False  # set when the disk filled up: see main


def command_line() -> int:
    """The ``sketchlib`` command: :func:`main`, with the log lines that TensorFlow's native
    code writes straight to the terminal (CUDA not found, oneDNN, XLA) hidden, while Python's
    own messages (errors, warnings, tracebacks) still show. ``SKETCHLIB_NATIVE_LOGS=1`` keeps
    them."""
    if os.environ.get("SKETCHLIB_NATIVE_LOGS") != "1":
        terminal = os.dup(2)  # Python writes here: the terminal, as before
        sys.stderr.flush()
        sys.stderr = os.fdopen(terminal, "w", buffering=1, encoding=sys.stderr.encoding,
                               errors="backslashreplace")
        hidden = os.open(os.devnull, os.O_WRONLY)
        os.dup2(hidden, 2)  # native code writes to descriptor 2: now nowhere
        os.close(hidden)
    status = main()
    if _END_AT_ONCE:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)
    return status


if __name__ == "__main__":
    sys.exit(command_line())
