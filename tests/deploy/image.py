"""The image, built here without a Docker engine: the build context assembled as the engine
assembles it (.dockerignore applied by docker-py's own matcher), then the Dockerfile's steps
carried out stage by stage, each stage's file system a folder and its Python a fresh virtualenv.

COPY and WORKDIR are followed as written; RUN steps that install Python packages or collect
static files run as written (bash -o pipefail, the stage's ENV, its WORKDIR); RUN steps that
change the operating system (apt-get, users, folders owned by the shop's user) are the
engine's business and are left out. Absolute paths of the image map into the stage's folder.
"""

import os
import re
import shlex
import shutil
import subprocess
import sys
import venv
from dataclasses import dataclass, field
from pathlib import Path

from docker.utils.build import exclude_paths

ROOT = Path(__file__).resolve().parents[2]


def dockerignore() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def build_context(into: Path) -> Path:
    """What `docker build .` would send the engine."""
    for relative in sorted(exclude_paths(str(ROOT), dockerignore())):
        source = ROOT / relative
        if source.is_file():
            (into / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, into / relative)
    return into


def instructions(dockerfile: Path | None = None) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined, comments and parser directives left out."""
    text = (dockerfile or ROOT / "Dockerfile").read_text()
    joined = re.sub(r"\\\n(?:\s*#[^\n]*\n)*", " ", text)
    result = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, arguments = line.partition(" ")
            result.append((keyword.upper(), arguments.strip()))
    return result


def env_pairs(arguments: str) -> dict[str, str]:
    return dict(pair.split("=", 1) for pair in shlex.split(arguments))


@dataclass
class Stage:
    name: str
    root: Path
    workdir: str = "/"
    env: dict = field(default_factory=dict)
    venv: Path | None = None
    user: str = ""

    def path(self, image_path: str) -> Path:
        absolute = image_path if image_path.startswith("/") else f"{self.workdir.rstrip('/')}/{image_path}"
        return self.root / absolute.lstrip("/")

    def mapped(self, value: str) -> str:
        """An ENV value naming a path in the image names the same path in the stage's folder."""
        return str(self.path(value)) if value.startswith("/") else value


PYTHON_STEPS = re.compile(r"\b(pip|django-admin)\b")


def build(into: Path) -> dict[str, Stage]:
    """Carry out the Dockerfile from a fresh build context under `into`; the stages by name."""
    context = build_context(into / "context")
    stages: dict[str, Stage] = {}
    stage = None
    for keyword, arguments in instructions():
        if keyword == "FROM":
            words = arguments.split()
            name = words[2] if len(words) == 3 and words[1].upper() == "AS" else f"stage{len(stages)}"
            stage = stages[name] = Stage(name=name, root=into / name)
            stage.root.mkdir(parents=True)
        elif keyword == "ENV":
            stage.env.update(env_pairs(arguments))
        elif keyword == "WORKDIR":
            stage.workdir = arguments
            stage.path(arguments).mkdir(parents=True, exist_ok=True)
        elif keyword == "COPY":
            words = shlex.split(arguments)
            options = [word for word in words if word.startswith("--")]
            *sources, target = [word for word in words if not word.startswith("--")]
            origin = next((option.split("=", 1)[1] for option in options if option.startswith("--from=")), None)
            for source in sources:
                found = stages[origin].path(source) if origin else context / source
                if not found.exists():
                    raise FileNotFoundError(f"COPY {source}: not in the {'stage ' + origin if origin else 'build context'}")
                destination = stage.path(target) / found.name if target.endswith("/") or len(sources) > 1 else stage.path(target)
                if found.is_dir():
                    shutil.copytree(found, destination, dirs_exist_ok=True)
                else:
                    destination.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(found, destination)
        elif keyword == "RUN" and PYTHON_STEPS.search(arguments):
            if stage.venv is None:
                stage.venv = stage.root / "venv"
                venv.create(stage.venv, with_pip=True)
            env = {
                "HOME": str(stage.root), "PATH": f"{stage.venv / 'bin'}:/usr/bin:/bin",
                **{key: stage.mapped(value) for key, value in stage.env.items()},
            }  # fmt: skip
            # The cache of pip's downloads outside the image, as BuildKit's cache mount would be.
            env.pop("PIP_NO_CACHE_DIR", None)
            env["PIP_CACHE_DIR"] = os.environ.get("PIP_CACHE_DIR", str(Path.home() / ".cache" / "pip"))
            result = subprocess.run(
                ["bash", "-o", "pipefail", "-c", arguments], cwd=stage.path(stage.workdir), env=env,
                capture_output=True, text=True, timeout=900,
            )  # fmt: skip
            if result.returncode:
                raise AssertionError(f"RUN {arguments}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
        elif keyword == "USER":
            stage.user = arguments
    return stages


def final(stages: dict[str, Stage]) -> Stage:
    return list(stages.values())[-1]


def python_of(stage: Stage) -> str:
    return str(stage.venv / "bin" / "python")


if __name__ == "__main__":  # python -m tests.deploy.image FOLDER: build it by hand and look
    built = build(Path(sys.argv[1]))
    print({name: str(stage.venv) for name, stage in built.items()})
