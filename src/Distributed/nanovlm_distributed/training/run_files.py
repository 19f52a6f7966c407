"""The run folder, in the C# engine's format (src/Engine/Training/RunFiles.cs, Events/TrainingEvents.cs): `run.json`
(the resolved configuration, plus `world_size`), `metrics.jsonl` (one metrics event per line) and `events.jsonl`
(every other event), appended and flushed line by line. Only rank 0 writes it.

Every event is a JSON object with `type`, `step` (updates done so far) and `time` (UTC, ISO 8601); non-finite numbers
are written as NaN/Infinity, which the C# reader accepts (AllowNamedFloatingPointLiterals).
"""
from __future__ import annotations

import datetime
import json
import os

CONFIG_FILE_NAME = "run.json"
METRICS_FILE_NAME = "metrics.jsonl"
EVENTS_FILE_NAME = "events.jsonl"
CHECKPOINTS_FOLDER = "checkpoints"


def now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat()


class RunFiles:
    def __init__(self, directory: str, config_json: str):
        os.makedirs(directory, exist_ok=True)
        self.directory = directory
        self.write_problem: str | None = None
        with open(os.path.join(directory, CONFIG_FILE_NAME), "w", encoding="utf-8") as f:
            f.write(config_json)
        self._metrics = open(os.path.join(directory, METRICS_FILE_NAME), "a", encoding="utf-8")
        self._events = open(os.path.join(directory, EVENTS_FILE_NAME), "a", encoding="utf-8")

    @property
    def checkpoints(self) -> str:
        return os.path.join(self.directory, CHECKPOINTS_FOLDER)

    def publish(self, event_type: str, step: int, **fields) -> None:
        record = {"type": event_type, **fields, "step": step, "time": now()}
        if self.write_problem is not None:
            return
        try:
            target = self._metrics if event_type == "metrics" else self._events
            target.write(json.dumps(record) + "\n")
            target.flush()
        except (OSError, ValueError) as e:
            # Stop appending rather than fail on every event: the lines already written stay as they are.
            self.write_problem = str(e)

    def close(self) -> None:
        for stream in (self._metrics, self._events):
            try:
                stream.close()
            except OSError as e:
                self.write_problem = self.write_problem or str(e)


class NoRunFiles:
    """What ranks other than 0 publish to: nothing."""

    directory = None
    write_problem = None

    def publish(self, event_type: str, step: int, **fields) -> None:
        pass

    def close(self) -> None:
        pass
