"""Where batches run: built networks kept per process (numpy, cython) and C++ standalone builds
kept in a persistent cache directory, re-run with new inputs without compiling again.

A `CompiledNetwork` holds one circuit built with K replicas for one structure (sizes, rule
choice, time constants, time step, schedule step and rows). ``run(inputs, durations)`` writes a
batch's inputs (`neuro_kv.network.RunInputs`: schedule values, per-replica parameters, seeds)
into it, simulates the batch's duration and returns each replica's spikes and weights.

- **numpy / cython** (`RuntimeNetwork`): the network is built once in the process and stored;
  each batch restores the stored initial state, writes the inputs in place and runs.
- **cpp_standalone** (`StandaloneNetwork`): one build per structure in
  ``cache_dir()/NAME-KEY``, where KEY hashes the structure, the package and Brian2 versions,
  the compiler flags and the machine. Each batch runs the binary with ``run_args`` (every
  input a file in the batch's own results directory, so parallel runs never collide); another
  process finds the build, regenerates identical code and compiles nothing. A lock on the
  directory keeps a build from running while another process compiles or runs it.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import platform
import shutil
import signal
import subprocess
import time
import uuid
import warnings
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import brian2
    from brian2 import (
        Clock,
        Network,
        NetworkOperation,
        NeuronGroup,
        defaultclock,
        prefs,
        second,
        set_device,
    )
    from brian2.core.names import find_name
    from brian2.devices.cpp_standalone import device as cpp_standalone_device_module
    from brian2.devices.cpp_standalone.device import CPPStandaloneDevice
    from brian2.devices.device import reset_device

from neuro_kv.guard import add_guard
from neuro_kv.network import BuiltNetwork, RunInputs
from neuro_kv.processes import (
    STOP_SIGNALS,
    die_with_parent,
    process_alive,
    run_shell,
    sigterm_deferred,
)
from neuro_kv.version import __version__

__all__ = ["DEVICES", "CompiledNetwork", "RuntimeNetwork", "StandaloneNetwork",
           "cache_dir", "quiet_brian", "use_runtime", "cython_cache_size",
           "standalone_build_exists"]

DEVICES = ("numpy", "cython", "cpp_standalone")
#: name of the Brian2 network (it appears in the generated code)
NETWORK_NAME = "neuro_kv_network"


def quiet_brian() -> None:
    """Silence Brian2's pyparsing deprecation warnings and its informational log."""
    warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"pyparsing.*")
    warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"brian2.*")
    brian2.BrianLogger.log_level_error()


def use_runtime(device_name: str) -> None:
    """Select the runtime device with the numpy or cython code generation target."""
    set_device("runtime")
    prefs.codegen.target = device_name


def cache_dir() -> Path:
    """Root of the standalone build cache: ``$NEURO_KV_CACHE``, else
    ``$XDG_CACHE_HOME/neuro-kv`` (``~/.cache/neuro-kv``)."""
    if os.environ.get("NEURO_KV_CACHE"):
        return Path(os.environ["NEURO_KV_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "neuro-kv"


def cython_cache_size() -> int | None:
    """Number of compiled modules in Brian2's Cython cache (None if it is not found)."""
    try:
        from brian2.codegen.runtime.cython_rt.extension_manager import get_cython_cache_dir

        directory = Path(get_cython_cache_dir())
    except ImportError:
        return None
    if not directory.is_dir():
        return 0
    return sum(1 for f in directory.iterdir() if f.suffix in (".so", ".pyd"))


class CompiledNetwork:
    """One circuit built with ``replicas`` replicas for one structure, ready for batches.

    ``build_s`` is what building cost (code generation and compilation), ``compiled`` how many
    modules or object files it compiled (0: all found in a cache).
    """

    built: BuiltNetwork
    build_s: float
    compiled: int | None
    #: with ``profile=True``: (code object, seconds) of the last run, slowest first
    profile: list[tuple[str, float]] | None = None

    def run(self, inputs: RunInputs, durations: Sequence[float]) -> list[tuple[dict, dict]]:
        raise NotImplementedError


class RuntimeNetwork(CompiledNetwork):
    """A network on Brian2's runtime device (numpy or Cython code), stored after building."""

    def __init__(self, device_name: str, circuit: Any, structure: dict[str, Any],
                 replicas: int, rows: int, step: Any, dt: Any, profile: bool = False):
        started = time.perf_counter()
        self.profiled = profile
        modules = cython_cache_size() if device_name == "cython" else None
        self.device_name, self.dt = device_name, dt
        use_runtime(device_name)
        defaultclock.dt = dt
        self.built = circuit.build(structure, replicas, rows, step)
        self.built.initialise(parameter_defaults(circuit))
        add_guard(self.built, circuit.storing_population, step, standalone=False)
        control = self.built.guard_control
        # stop once no replica runs (the guard halted or finished every one); the summed
        # count is current from the first checkpoint on
        stop = NetworkOperation(
            lambda t: self.network.stop() if t >= step and control.running[0] < 0.5 else None,
            clock=Clock(step, name="guard_stop_clock"), when="end", order=2,
            name="guard_stop")
        self.network = Network(*self.built.objects, stop, name=NETWORK_NAME)
        self.network.store("initial")
        self._first = True
        self._modules_before = modules
        self.build_s = time.perf_counter() - started
        self.compiled = None

    def run(self, inputs: RunInputs, durations: Sequence[float]) -> list[tuple[dict, dict]]:
        use_runtime(self.device_name)
        defaultclock.dt = self.dt
        self.network.restore("initial")
        for timed_array, values in inputs.timed_arrays.items():
            timed_array.values[:] = values  # in place: the compiled code holds a view
        for (group, variable), values in inputs.variables.items():
            group.variables[variable].set_value(values)
        self.network.run(inputs.duration, namespace={}, profile=self.profiled)
        if self.profiled:
            self.profile = [(name, float(seconds)) for name, seconds
                            in sorted(self.network.profiling_info, key=lambda x: -x[1])]
        if self._first:  # Cython compiles a network's modules at its first run
            self._first = False
            if self._modules_before is not None:
                self.compiled = (cython_cache_size() or 0) - self._modules_before
        return self.built.outputs(durations)


class ReplayableStandaloneDevice(CPPStandaloneDevice):
    """Brian2's C++ standalone device, changed so that one build serves many runs:

    - the network runs for ``duration_variable`` (a run argument), not for a number written
      into ``main.cpp``;
    - clocks are initialised in a fixed order (Brian2 iterates over a set of clocks, so
      ``main.cpp`` differed between processes and was compiled again);
    - code objects are named uniquely within this build, not among every Brian2 object alive
      in the process (a process that keeps other networks would otherwise name them
      ``..._codeobject_2`` and compile them again);
    - the makefile precompiles the header every code object includes, records header
      dependencies while compiling (``-MMD``) instead of in a serial pass before it, and
      compiles code that runs once per run (array set-up and file IO, synapse creation,
      spike queue set-up) at ``-O1``: a first build compiles in about a third of the time.
    """

    duration_variable: Any = None

    def code_object(self, owner, name, *args, **kwargs):
        if name.endswith("*"):
            name = find_name(name, names=set(self.code_objects))
        return super().code_object(owner, name, *args, **kwargs)

    def network_run(self, net, duration, report=None, report_period=10 * second,
                    namespace=None, profile=None, level=0, **kwds):
        first = len(self.main_queue)
        super().network_run(net, duration, report=report, report_period=report_period,
                            namespace=namespace, profile=profile, level=level + 1, **kwds)
        added = self.main_queue[first:]
        clock_arrays = {self.get_array_name(clock.variables[name])
                        for clock in net._clocks for name in ("t", "timestep")}
        positions = [k for k, (func, args) in enumerate(added)
                     if func in ("set_by_single_value", "set_by_constant")
                     and args[0] in clock_arrays]
        ordered = sorted((added[k] for k in positions), key=lambda entry: entry[1][0])
        for k, entry in zip(positions, ordered, strict=True):
            added[k] = entry
        if self.duration_variable is not None:
            fixed = f"{net.name}.run({float(duration)!r},"
            variable = f"{net.name}.run({self.get_array_name(self.duration_variable)}[0],"
            for k, (func, args) in enumerate(added):
                if func == "run_network":
                    added[k] = (func, (args[0], [line.replace(fixed, variable)
                                                 for line in args[1]]))
        self.main_queue[first:] = added

    def generate_makefile(self, writer, compiler, compiler_flags, linker_flags, nb_threads,
                          debug):
        if compiler == "msvc":
            return super().generate_makefile(writer, compiler, compiler_flags, linker_flags,
                                             nb_threads, debug)
        writer.write(PCH_HEADER, PCH_CONTENT)
        sources = sorted(writer.source_files)
        debug_flags = "-g -DDEBUG" if debug else ""
        once = [name[:-4] + ".o" for name in sources if is_run_once(name)]
        writer.write("makefile", MAKEFILE.format(
            sources=" ".join(sources), compiler_flags=compiler_flags,
            once_flags=compiler_flags.replace("-O3", "-O1"), linker_flags=linker_flags,
            debug_flags=debug_flags, linker_debug_flags="-g" if debug else "",
            pch=PCH_HEADER, once=" ".join(once)))


def is_run_once(source: str) -> bool:
    """Whether a generated source runs once per run, not every time step (array set-up
    and file IO, synapse creation, spike queue set-up before and after the run)."""
    name = Path(source).name
    return (name in ("objects.cpp", "main.cpp", "run.cpp")
            or name.startswith(("before_run_", "after_run_"))
            or "_synapses_create_" in name)


PCH_HEADER = "neuro_kv_pch.h"
PCH_CONTENT = """// the headers every code object includes, precompiled once (neuro-kv)
#include "objects.h"
#include "synapses_classes.h"
#include "brianlib/common_math.h"
#include "brianlib/stdint_compat.h"
#include <cmath>
#include <ctime>
#include <iostream>
#include <fstream>
#include <climits>
"""
MAKEFILE = """# written by neuro-kv (neuro_kv.devices.ReplayableStandaloneDevice)
PROGRAM = main
SRCS = {sources}
OBJS = ${{SRCS:.cpp=.o}}
OBJS := ${{OBJS:.c=.o}}
CXXFLAGS = -c -Wno-write-strings {compiler_flags} -I. {debug_flags}
ONCE_CXXFLAGS = -c -Wno-write-strings {once_flags} -I. {debug_flags}
LFLAGS = {linker_flags} {linker_debug_flags}
ONCE = {once}

all: $(PROGRAM)

.PHONY: all clean

$(PROGRAM): $(OBJS) makefile
\t$(CXX) $(OBJS) -o $(PROGRAM) $(LFLAGS)

clean:
\trm -f $(OBJS) $(PROGRAM) $(OBJS:.o=.d) {pch}.gch

{pch}.gch: {pch} objects.h synapses_classes.h network.h makefile
\t$(CXX) $(CXXFLAGS) -x c++-header {pch} -o $@

objects.o: objects.cpp makefile
\t$(CXX) $(ONCE_CXXFLAGS) -MMD -MP $< -o $@

$(filter-out objects.o,$(ONCE)): %.o: %.cpp {pch}.gch makefile
\t$(CXX) $(ONCE_CXXFLAGS) -include {pch} -MMD -MP $< -o $@

%.o: %.cpp {pch}.gch makefile
\t$(CXX) $(CXXFLAGS) -include {pch} -MMD -MP $< -o $@

-include $(OBJS:.o=.d)
"""


def parameter_defaults(circuit: Any) -> dict[str, Any]:
    """Every circuit parameter's default value."""
    return {parameter.name: parameter.default for parameter in circuit.parameters}


def build_key(circuit: Any, structure: dict[str, str], replicas: int, rows: int,
              step: Any, dt: Any) -> str:
    """Hash of everything a standalone build depends on besides the generated code."""
    from brian2.codegen.cpp_prefs import get_compiler_and_args

    compiler, flags = get_compiler_and_args()
    document = {
        "circuit": circuit.name, "structure": structure, "replicas": replicas, "rows": rows,
        "step": float(step / second), "dt": float(dt / second), "neuro-kv": __version__,
        "brian2": brian2.__version__, "compiler": [compiler, *flags],
        "machine": [platform.machine(), platform.processor(), _cpu_model()],
    }
    text = json.dumps(document, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _cpu_model() -> str:
    """The CPU model (builds use -march=native, so a build is only good on its CPU)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""


@contextmanager
def directory_lock(directory: Path, exclusive: bool) -> Iterator[None]:
    """An flock on ``directory/.lock``: exclusive to build, shared to run."""
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / ".lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def standalone_directory(circuit: Any, structure_strings: dict[str, str], replicas: int,
                         rows: int, step: Any, dt: Any, profile: bool = False) -> Path:
    """Where the standalone build of this structure lives in the cache."""
    key = build_key(circuit, {**structure_strings, "profile": str(profile)}, replicas, rows,
                    step, dt)
    return cache_dir() / "standalone" / (
        f"{circuit.name}-K{replicas}{'-profiled' if profile else ''}-{key}")


def standalone_build_exists(circuit: Any, structure_strings: dict[str, str], replicas: int,
                            rows: int, step: Any, dt: Any) -> bool:
    """Whether a compiled standalone build of this structure is in the cache."""
    return (standalone_directory(circuit, structure_strings, replicas, rows, step, dt)
            / "main").exists()


def remove_stale_results(results: Path) -> None:
    """Remove the results directories (``PID-ID``) of processes that no longer run."""
    for path in results.glob("*-*"):
        pid = path.name.split("-", 1)[0]
        if pid.isdigit() and not process_alive(int(pid)):
            shutil.rmtree(path, ignore_errors=True)


class _BinariesDieWithParent:
    """Brian2's standalone device starts the compiled binary with ``subprocess.call``; this
    stand-in for its ``subprocess`` module starts it with `die_with_parent`, so a run killed
    with SIGKILL leaves no simulation running (everything else is the real module;
    ``subprocess.call`` itself kills the binary when a stop interrupts the wait)."""

    def __getattr__(self, name: str) -> Any:
        return getattr(subprocess, name)

    @staticmethod
    def call(*args: Any, **kwargs: Any) -> int:
        # a stop signal is held back while the binary starts, so none can come between its
        # start and the moment it is known here (it would outlive the run's inputs); one
        # held back is raised as the block ends, inside the ``try``, so the binary is killed
        binary = None
        try:
            with sigterm_deferred():
                binary = subprocess.Popen(*args, preexec_fn=_binary_setup, **kwargs)
            return binary.wait()
        except BaseException:
            if binary is not None:
                binary.kill()
                binary.wait()
            raise
        finally:
            if binary is not None:
                for stream in (binary.stdin, binary.stdout, binary.stderr):
                    if stream is not None:
                        stream.close()


def _binary_setup() -> None:
    """In the binary's process before it starts: die with the parent, and take stop signals
    again (the held-back mask of `sigterm_deferred` would pass to it through fork and exec)."""
    die_with_parent()
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)


class _BuildsStopWithTheRun:
    """Brian2's standalone device compiles with ``os.system("make ...")``, which a stop
    signal cannot interrupt (the compilers run on for a minute); this stand-in for its ``os``
    module runs the command with `run_shell`, which kills ``make`` and its compilers when
    the run is stopped (everything else is the real module)."""

    def __getattr__(self, name: str) -> Any:
        return getattr(os, name)

    @staticmethod
    def system(command: str) -> int:
        return run_shell(command)


cpp_standalone_device_module.subprocess = _BinariesDieWithParent()
cpp_standalone_device_module.os = _BuildsStopWithTheRun()


class StandaloneNetwork(CompiledNetwork):
    """A C++ standalone build of a network, in the persistent cache, re-run per batch."""

    def __init__(self, circuit: Any, structure: dict[str, Any], structure_strings:
                 dict[str, str], replicas: int, rows: int, step: Any, dt: Any,
                 profile: bool = False):
        started = time.perf_counter()
        self.directory = standalone_directory(circuit, structure_strings, replicas, rows,
                                              step, dt, profile)
        prefs.devices.cpp_standalone.extra_make_args_unix = [f"-j{os.cpu_count() or 1}"]
        self.device = ReplayableStandaloneDevice()
        with directory_lock(self.directory, exclusive=True):
            set_device(self.device, build_on_run=False, directory=str(self.directory))
            try:
                defaultclock.dt = dt
                self.built = circuit.build(structure, replicas, rows, step)
                self.built.initialise(parameter_defaults(circuit))
                add_guard(self.built, circuit.storing_population, step, standalone=True)
                control = NeuronGroup(1, "run_duration : second (shared)", name="run_control")
                self.device.duration_variable = control.variables["run_duration"]
                self.duration_name = f"{control.name}.run_duration"
                network = Network(*self.built.objects, control, name=NETWORK_NAME)
                network.run(self.built.duration_limit, namespace={}, profile=profile)
                before = time.time()
                try:
                    self.device.build(directory=str(self.directory), compile=True,
                                      run=False, with_output=False)
                except BaseException:  # e.g. stopped while compiling: no half-written object
                    for path in self.directory.rglob("*.o"):  # file is linked next time
                        if path.stat().st_mtime >= before:
                            path.unlink(missing_ok=True)
                    raise
                self.compiled = sum(1 for path in self.directory.rglob("*.o")
                                    if path.stat().st_mtime >= before)
            finally:
                reset_device()
        # this network's results directory, overwritten by each of its batches (parallel
        # processes use their own) and removed with it; those of dead processes go now
        self.results_relative = f"results/{os.getpid()}-{uuid.uuid4().hex[:12]}"
        remove_stale_results(self.directory / "results")
        weakref.finalize(self, shutil.rmtree, self.directory / self.results_relative,
                         ignore_errors=True)
        self.build_s = time.perf_counter() - started

    def run(self, inputs: RunInputs, durations: Sequence[float]) -> list[tuple[dict, dict]]:
        relative = self.results_relative
        results = self.directory / relative
        files = results / "inputs"
        files.mkdir(parents=True, exist_ok=True)
        arguments = [f"{self.duration_name}={float(inputs.duration / second)!r}"]
        fills = {stimulus.timed_array: stimulus.fill
                 for stimulus in self.built.stimuli.values()}
        for timed_array, values in inputs.timed_arrays.items():
            if np.all(values == fills[timed_array]):
                continue  # what the binary starts with: the build's fill value
            path = files / f"{timed_array.name}.dat"
            np.ascontiguousarray(values, dtype=np.float64).tofile(path)
            arguments.append(f"{timed_array.name}.values={path}")
        for (group, variable), values in inputs.variables.items():
            path = files / f"{group.name}.{variable}.dat"
            dtype = group.variables[variable].dtype
            np.ascontiguousarray(values, dtype=dtype).tofile(path)
            arguments.append(f"{group.name}.{variable}={path}")
        with directory_lock(self.directory, exclusive=False):
            self.device.run(directory=str(self.directory), results_directory=relative,
                            with_output=False, run_args=arguments)
        profiled = results / "profiling_info.txt"
        if profiled.exists():
            rows = [line.split() for line in profiled.read_text().splitlines() if line]
            self.profile = sorted(((name, float(seconds)) for name, seconds in rows),
                                  key=lambda entry: -entry[1])
        return self.built.outputs(durations)
