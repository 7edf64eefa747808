"""``trainer eval client``: measure how the simulated client responds to attunement.

Runs a scripted attuned trainee and a lecturing trainee against every scenario (or one)
through the real coder and feedback engine, and reports how often the client reached
its core disclosure, leaks and role breaks (see docs/client.md).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "eval",
        help="evaluate parts of the trainer (the simulated client)",
        description="Evaluate the simulated client with scripted trainees.",
    )
    targets = parser.add_subparsers(dest="eval_target", metavar="{client}")
    client = targets.add_parser(
        "client",
        help="does the client open up to attunement and not to lecturing?",
        description=(
            "Scripted attuned and lecturing trainees talk to the simulated client; the trainee "
            "lines go through the real coder and feedback engine. Reports how often the client "
            "reached its core disclosure, leaks and role breaks."
        ),
    )
    client.add_argument("--scenario", help="one scenario id (default: all)")
    client.add_argument("--runs", type=int, default=3, help="runs per trainee style (default 3)")
    client.add_argument("--turns", type=int, default=10, help="trainee turns per run (default 10)")
    client.add_argument("--json", action="store_true", help="print the report as JSON")
    client.add_argument("--scripted", action="store_true", help="no language model: scripted client lines")
    client.add_argument("--llm", type=Path, help="a chat .gguf file (default: the shipped model)")
    client.add_argument("--threads", type=int, default=None, help="CPU threads for the model")
    client.add_argument("--transcripts", type=Path, help="write every conversation to this JSON file")
    client.add_argument("--quiet", action="store_true", help="no progress lines")
    client.set_defaults(func=run)
    parser.set_defaults(func=_usage(parser))
    return parser


def _usage(parser: argparse.ArgumentParser):
    def show(args: argparse.Namespace) -> int:
        parser.print_help(sys.stderr)
        return 2
    return show


def _backend(args: argparse.Namespace):
    if args.scripted:
        return None
    from trainer.client.llama_backend import LlamaBackend

    if args.llm is not None:
        path = args.llm.expanduser()
    else:
        from trainer.models import default_llm_path

        path = default_llm_path()
    if not path.is_file():
        raise FileNotFoundError(f"language model not found: {path}")
    return LlamaBackend(path, n_threads=args.threads)


def run(args: argparse.Namespace) -> int:
    from trainer.client.eval_harness import evaluate, format_table
    from trainer.scenarios import ScenarioError, UnknownScenarioError, find_scenario, load_scenarios

    if args.runs < 1 or args.turns < 1:
        print("error: --runs and --turns must be at least 1", file=sys.stderr)
        return 2
    try:
        scenarios = [find_scenario(args.scenario)] if args.scenario else load_scenarios()
    except (ScenarioError, UnknownScenarioError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    try:
        backend = _backend(args)
    except Exception as error:  # model errors carry their own advice
        print(f"error: {error}", file=sys.stderr)
        return 2

    started = time.monotonic()

    def progress(result) -> None:
        if args.quiet:
            return
        print(
            f"  {result.scenario_id} {result.style} run {result.seed + 1}: deepest {result.deepest_layer}, "
            f"core at turn {result.turns_to_core or '-'}, leaks {result.leaks}, "
            f"caught {result.role_breaks_caught} ({time.monotonic() - started:.0f}s)",
            file=sys.stderr, flush=True,
        )

    report, results = evaluate(scenarios, backend, runs=args.runs, turns=args.turns, progress=progress)
    report["model"] = "scripted" if backend is None else str(backend.model_path.name)
    report["runs"] = args.runs
    report["turns"] = args.turns
    report["seconds"] = round(time.monotonic() - started, 1)
    if args.transcripts is not None:
        args.transcripts.write_text(json.dumps(
            [{"scenario": r.scenario_id, "style": r.style, "seed": r.seed,
              "turns": [t.__dict__ for t in r.turns]} for r in results], indent=1))
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(format_table(report))
        print(f"\nmodel: {report['model']}, {args.runs} runs x {args.turns} turns, {report['seconds']}s; "
              f"goal {'met' if report['goal_met'] else 'NOT met'} "
              "(attuned core >= 80%, lecturing <= 20%, no leaks, no shipped role breaks)")
    return 0 if report["goal_met"] else 1
