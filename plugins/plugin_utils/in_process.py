# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Run this collection's modules in a fork of the Ansible worker instead of in a new Python.

Every host of this collection is an AWS account with ``connection: local`` whose modules run on the
controller, with the controller's Python (site.yml sets ``ansible_python_interpreter`` to
``ansible_playbook_python``). Run the usual way, each module execution builds an AnsiballZ payload
(compiling every module_utils it imports), starts a new interpreter, imports ansible, boto3 and
botocore and loads the botocore service models again: about 0.7 CPU-s, most of a converge's time, for
an AWS module that then makes a handful of calls.

When nothing tells the two ways apart, the action plugins of this collection run the module's
``main()`` in a child forked from the Ansible worker instead: the child inherits ansible, boto3, botocore,
the amazon.aws module_utils, the botocore service models and the module itself, compiled, that the
controller imported once (at the first task of this collection and of each module, see :func:`warm`),
so a run costs the module's own work. The child gets
the same arguments (``_update_module_args``: check mode, diff, no_log, verbosity) and prints the same
JSON, which the action parses with Ansible's own parser; a module that dies without a result fails the
task as it would under AnsiballZ. The child first becomes a module process (ansible-core 2.19+ marks the
controller in its module_utils: warnings, deprecations and tracebacks follow that mark), forgets the
worker's warnings and exit handlers, and runs the module's own exit handlers before it exits. Nothing
leaks from one module run to the next, nor into the worker: each child exits.

The usual way is kept (:func:`ineligible` says why) when the connection is not ``local``, with
``become``, ``async`` or a task ``environment``, when ``ansible_python_interpreter`` is not the Python
running ansible-playbook, when the controller lacks botocore, for modules of other collections (but
the read-only ones an action plugin of this collection runs itself, :data:`FOREIGN_MODULES`, and those
of the collections a subclass names in ``IN_PROCESS_COLLECTIONS``: the test playbooks' own ``normal``
action, tests/integration/action_plugins/normal.py, names amazon.aws and community.aws), on an
ansible-core whose module_utils mark the controller in a way this file does not know, and when the
host variable ``multiaccount_apigateway_in_process`` is false.
"""

import atexit
import contextlib
import gc
import importlib
import inspect
import io
import json
import os
import sys
import tempfile
import traceback

from ansible import constants as C
from ansible.plugins.action import ActionBase
from ansible.utils.vars import merge_hash

try:
    import botocore.loaders
    import botocore.session

    HAS_BOTOCORE = True
except ImportError:
    HAS_BOTOCORE = False

COLLECTION = "multiaccount.apigateway"
MODULE_PACKAGE = "ansible_collections.multiaccount.apigateway.plugins.modules"
VARIABLE = "multiaccount_apigateway_in_process"
PROFILE = "legacy"  # the serialization profile of every module of this collection (no METADATA)

# Modules of other collections that the action plugins of this collection run themselves, read-only,
# and that run in the child too: the poll of demo_instances' wait (module_utils/waits.py), one run per
# poll and provider account. A task of another collection's module never reaches this code.
FOREIGN_MODULES = {
    "amazon.aws.ec2_instance_info": "ansible_collections.amazon.aws.plugins.modules.ec2_instance_info",
}

# The service models most modules of this collection load, read once by warm() in the controller.
WARM_SERVICES = ("ec2", "elbv2", "apigateway", "sts")
# What warm() imports once in the controller, so that no child imports it again.
WARM_IMPORTS = (
    "ansible.module_utils.basic",
    "ansible_collections.amazon.aws.plugins.module_utils.modules",
    "ansible_collections.amazon.aws.plugins.module_utils.botocore",
    "ansible_collections.amazon.aws.plugins.module_utils.retries",
    "boto3",
)

# One filter of this collection: asking ansible-core for it loads plugins/filter/ (see warm_jinja_plugins).
JINJA_PROBE = f"{COLLECTION}.attachment_subnets"
JINJA_WARM_TEMPLATE = "{{ [1] | default([]) is sequence }}"

_state = {"warm": False, "loader": None}


def module_path(name, collections=()):
    """The Python module of a module of this collection (``multiaccount.apigateway.rest_api``), of
    :data:`FOREIGN_MODULES`, or of one of ``collections`` (``("amazon.aws",)``), else None."""
    if isinstance(name, str) and name in FOREIGN_MODULES:
        return FOREIGN_MODULES[name]
    if not isinstance(name, str):
        return None
    collection, _dot, short = name.rpartition(".")
    if collection != COLLECTION and collection not in collections:
        return None
    if not short or not short.isidentifier():
        return None
    if collection == COLLECTION:
        return f"{MODULE_PACKAGE}.{short}"
    return f"ansible_collections.{collection}.plugins.modules.{short}"


def same_python(interpreter, executable=None):
    """True when ``interpreter`` is the Python running Ansible (``sys.executable``): the same file,
    reached from the same directory (``.venv/bin/python`` and ``.venv/bin/python3`` are; the base Python
    a virtualenv links to is not, since it lacks the virtualenv's packages)."""
    executable = executable or sys.executable
    if not interpreter or not isinstance(interpreter, str) or not executable:
        return False
    interpreter = os.path.abspath(os.path.expanduser(interpreter))
    executable = os.path.abspath(executable)
    if interpreter == executable:
        return True
    if os.path.dirname(interpreter) != os.path.dirname(executable):
        return False
    return os.path.realpath(interpreter) == os.path.realpath(executable)


def truthy(value):
    """A boolean host variable as Ansible reads it (``false``, ``"no"``, ``0`` are false)."""
    if isinstance(value, str):
        return value.strip().lower() not in ("false", "no", "off", "0", "n", "f", "")
    return bool(value)


def ineligible(
    name, transport, interpreter, enabled=True, become=False, run_async=False, environment=None, collections=()
):  # pylint: disable=too-many-arguments
    """Why the module ``name`` must run the usual way, or None when it can run in a forked child.
    ``collections``: other collections whose modules may run in a forked child too."""
    if not truthy(enabled):
        return f"{VARIABLE} is false"
    if module_path(name, collections) is None:
        return f"{name} is not a module of {', '.join((COLLECTION,) + tuple(collections))}"
    if not HAS_BOTOCORE:
        return "the Python running ansible-playbook cannot import botocore"
    if _MODULE_SIDE_PROBLEM:
        return _MODULE_SIDE_PROBLEM
    if transport != "local":
        return f"connection {transport}, not local"
    if become:
        return "become"
    if run_async:
        return "async"
    if any(environment or []):
        return "a task environment"
    if not interpreter:
        return "ansible_python_interpreter is not set (Ansible discovers a Python of its own)"
    if not same_python(interpreter):
        return f"ansible_python_interpreter {interpreter} is not the Python running ansible-playbook ({sys.executable})"
    return None


def _shared_loader(search_path_string=None, _create=botocore.loaders.create_loader if HAS_BOTOCORE else None):
    """botocore's loader factory in a child: the controller's warm loader for the default data path."""
    if search_path_string is None and _state["loader"] is not None:
        return _state["loader"]
    return _create(search_path_string)


def warm(action=None, services=WARM_SERVICES, imports=WARM_IMPORTS, foreign=()):
    """Load the Jinja plugins (:func:`warm_jinja_plugins`), import ansible, boto3 and the amazon.aws
    module_utils, and read the botocore models of ``services``, once in this process, so that every
    child forked from it later finds them; then import the module of the action plugin ``action`` (its
    Python name: each file under plugins/action/ passes its ``__name__``), see :func:`warm_module`,
    and the modules of :data:`FOREIGN_MODULES` named in ``foreign`` that the plugin runs itself
    (``("amazon.aws.ec2_instance_info",)``: the poll of demo_instances' wait), see :func:`warm_foreign`.

    Called when an action plugin of this collection is loaded: Ansible's strategies load the action
    class in the controller's main process, before forking the workers. Never fails: what cannot be
    warmed is read again by each child, as under AnsiballZ."""
    if not HAS_BOTOCORE:
        return
    if not _state["warm"]:
        _state["warm"] = True
        warm_jinja_plugins()
        _warm_sdk(services, imports)
    if action:
        warm_module(action)
    for name in foreign:
        warm_foreign(name)


def warm_jinja_plugins(probe=JINJA_PROBE):
    """Load, once in this process, every filter and test plugin of ansible-core and this collection's
    filters, so that no process forked from it later loads them again.

    ansible-core loads the Jinja plugins when a template first names one, and caches them in the
    process: a worker forked from a controller that never did loads them again at its first template.
    A profile of D (100 services over 20 accounts, 516 workers that template): the workers compiled
    templates for 7.7 CPU-s, 3.1 of them in their first template (3.7 ms each, median); with this
    warm-up 5.3 CPU-s, 1.8 in the first (3.1 ms). ``probe`` names one of this collection's filters:
    asking for it loads the file that holds all of them. Then one template is rendered, which sets up
    what Jinja and ansible-core's templating set up at their first. Returns False when something could
    not be done; never raises: what is not loaded here each worker loads itself."""
    # pylint: disable=import-outside-toplevel
    try:
        from ansible.plugins.loader import filter_loader, test_loader

        for loader in (filter_loader, test_loader):
            for _plugin in loader.all():
                pass
        filter_loader.get(probe)
        # One template with a filter and a test, compiled and rendered: what Jinja and ansible-core's
        # templating set up at their first template.
        from ansible.parsing.dataloader import DataLoader
        from ansible.template import Templar

        Templar(loader=DataLoader()).template(_trusted(JINJA_WARM_TEMPLATE))
    except Exception:  # pylint: disable=broad-except
        return False
    return True


def _trusted(template):
    """``template`` as a string ansible-core renders: marked trusted on 2.19+ (it renders no other),
    as it is before (any string is a template there)."""
    try:
        from ansible.template import trust_as_template  # pylint: disable=import-outside-toplevel
    except ImportError:
        return template
    return trust_as_template(template)


def _warm_sdk(services, imports):
    for name in imports:
        try:
            importlib.import_module(name)
        except Exception:  # pylint: disable=broad-except
            continue
    if os.environ.get("AWS_DATA_PATH"):
        return  # the loader of a child is made from it
    try:
        loader = botocore.loaders.create_loader()
        session = botocore.session.Session()
        session.register_component("data_loader", loader)
        for service in services:
            # Creating a client reads the service model, its endpoint rules and the partitions; no call.
            session.create_client(
                service, region_name="us-east-1", aws_access_key_id="warm", aws_secret_access_key="warm"  # nosec
            )
    except Exception:  # pylint: disable=broad-except
        return
    _state["loader"] = loader
    freeze()


def warm_module(action):
    """Import, once in this process, the module of this collection that the action plugin ``action``
    (``ansible_collections.multiaccount.apigateway.plugins.action.<name>``) runs, with the module_utils it
    imports, so that no child compiles them again.

    Ansible's collection loader keeps no bytecode: each import compiles the source (with its
    DOCUMENTATION). In a child of the worker that was 20 to 150 ms of every module run (a profile of a
    no-op converge: 0.8 of its 3.2 CPU-s of module runs). Importing runs the module's top level only,
    never ``main()``. Returns the module's Python name once it is imported, else None (a module that
    cannot be imported here is imported by each child, which then fails as it would under AnsiballZ)."""
    if not isinstance(action, str):
        return None
    return _import_once(module_path(f"{COLLECTION}.{action.rpartition('.')[2]}"))


def warm_foreign(name):
    """Import, once in this process, the module ``name`` of :data:`FOREIGN_MODULES` (another
    collection's read-only module that an action plugin of this collection runs in a child), so that
    no child compiles it again: amazon.aws.ec2_instance_info took 24 ms of CPU to import, in each poll.
    Returns its Python name once it is imported, else None (never raises: a module that cannot be
    imported here is imported by each child, which then fails as it would under AnsiballZ)."""
    return _import_once(FOREIGN_MODULES.get(name) if isinstance(name, str) else None)


def _import_once(path):
    """Import the Python module ``path`` unless it is imported already, then :func:`freeze`; returns
    ``path``, or None when there is none or it cannot be imported (never raises)."""
    if path is None:
        return None
    if path not in sys.modules:
        try:
            importlib.import_module(path)
        except Exception:  # pylint: disable=broad-except
            return None
        freeze(collect=False)
    return path


def freeze(collect=True):
    """Move every object this process holds to the garbage collector's permanent generation
    (:func:`gc.freeze`), so that the collections of a process forked from it later (a worker, a
    module's child) never walk them: walking them would write to their pages and copy each page the
    fork shares. Called by :func:`warm` in the controller, once ansible, boto3 and the models are in,
    and by :func:`run` in the worker before each fork; both processes are short-lived or keep these
    objects to the end anyway. ``collect`` first frees what is garbage already (once, in the controller)."""
    if collect:
        gc.collect()
    gc.freeze()


def _module_side():
    """What the child must change to be a module process rather than the controller it was forked from.

    ansible-core 2.19+ marks the controller in its module_utils (``_internal.is_controller``): there,
    ``warn()`` and ``deprecate()`` go to the controller's Display instead of the module's result, and
    tracebacks follow the controller's settings. Returns ``(switch, handle_exception)``: ``switch()``
    makes this process a module process, ``handle_exception(error)`` prints the result AnsiballZ prints
    for an exception the module does not handle; ``(None, None)`` before 2.19 (nothing to switch; the
    traceback goes to stderr and there is no result, as under AnsiballZ). Raises LookupError when this
    ansible-core marks the controller in a way this code does not know: its modules then run the usual
    way (:func:`ineligible`)."""
    # pylint: disable=import-outside-toplevel,protected-access
    try:
        from ansible.module_utils import _internal
    except ImportError:  # ansible-core 2.17: no controller mark in module_utils
        return None, None
    if not hasattr(_internal, "is_controller"):
        return None, None
    try:
        from ansible.module_utils._internal import _traceback
        from ansible.module_utils._internal._ansiballz._loader import _handle_exception
    except ImportError as error:
        raise LookupError(f"ansible-core module_utils without {error.name}") from error
    for name in ("_is_traceback_enabled", "_is_module_traceback_enabled", "_module_tracebacks_enabled_events"):
        if not hasattr(_traceback, name):
            raise LookupError(f"ansible-core module_utils without _traceback.{name}")

    def switch():
        _internal.is_controller = False
        _traceback._is_traceback_enabled = _traceback._is_module_traceback_enabled
        _traceback._module_tracebacks_enabled_events = None

    def handle_exception(error):
        with contextlib.suppress(SystemExit):
            _handle_exception(error, PROFILE)

    return switch, handle_exception


def _module_side_once():
    """``((switch, handle_exception), None)``, or ``((None, None), why)`` when :func:`_module_side` cannot
    make a child a module process on this ansible-core."""
    try:
        return _module_side(), None
    except (ImportError, LookupError) as error:
        return (None, None), str(error)


def _child(module, json_params, write_fd):
    """In the forked child: run ``module.main()`` as AnsiballZ would, write what it printed to ``write_fd``.
    Returns the exit status."""
    # pylint: disable=import-outside-toplevel,protected-access
    from ansible.module_utils import basic
    from ansible.module_utils.common import warnings as module_warnings

    switch, handle_exception = _MODULE_SIDE
    if switch is not None:
        switch()
    # Nothing the worker (or an earlier run in it) recorded is this module's.
    module_warnings._global_warnings.clear()
    module_warnings._global_deprecations.clear()
    if HAS_BOTOCORE:
        botocore.session.create_loader = _shared_loader
    basic._ANSIBLE_ARGS = json_params
    basic._ANSIBLE_PROFILE = PROFILE
    atexit._clear()  # the worker's exit handlers are not the module's
    output = io.StringIO()
    status = 0
    with contextlib.redirect_stdout(output):
        try:
            importlib.import_module(module).main()
            raise RuntimeError("New-style module did not handle its own exit.")
        except SystemExit as exit_:
            status = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
        except Exception as error:  # pylint: disable=broad-except
            # What AnsiballZ does with an exception the module does not handle.
            status = 1
            if handle_exception is None:  # before 2.19: the traceback on stderr, no result
                traceback.print_exc()
            else:  # 2.19+: {"failed": true, "exception": ...} on stdout
                handle_exception(error)
        finally:
            # What the module registered, as at the exit of its own Python (AnsibleModule.tmpdir's removal).
            atexit._run_exitfuncs()
    data = output.getvalue().encode("utf-8", "surrogateescape")
    while data:
        data = data[os.write(write_fd, data) :]
    return status


def run(module, json_params):
    """Run the module ``module`` (a Python module path) with ``json_params`` (the bytes AnsiballZ would
    pass) in a child forked from this process. Returns ``{"stdout", "stderr", "rc"}`` as
    ``_low_level_execute_command`` would: what the module printed, what it wrote to its stderr, its exit
    status (negative: the signal that killed it)."""
    with tempfile.TemporaryFile() as errors:
        read_fd, write_fd = os.pipe()
        freeze(collect=False)
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child; its coverage is not collected
            status = 1
            try:
                os.close(read_fd)
                os.dup2(errors.fileno(), 2)
                # The worker's sys.stderr may not write to fd 2 (a test runner's capture, a display):
                # the module's stderr goes to the file as it would from its own Python.
                sys.stderr = open(
                    2, "w", encoding="utf-8", errors="surrogateescape", closefd=False
                )  # pylint: disable=consider-using-with
                status = _child(module, json_params, write_fd)
            finally:
                with contextlib.suppress(Exception):
                    sys.stderr.flush()  # os._exit() flushes nothing
                os._exit(status)  # pylint: disable=protected-access
        os.close(write_fd)
        try:
            with os.fdopen(read_fd, "rb") as pipe:
                data = pipe.read()
            status = os.waitpid(pid, 0)[1]
        except BaseException:
            # The task's timeout (or an interrupt) in the worker: stop the child with it.
            with contextlib.suppress(OSError):
                os.kill(pid, 9)
                os.waitpid(pid, 0)
            raise
        errors.seek(0)
        stderr = errors.read().decode("utf-8", "surrogateescape")
    rc = os.waitstatus_to_exitcode(status)
    if rc < 0:
        stderr += f"the module's process was killed by signal {-rc}"
    return {"stdout": data.decode("utf-8", "surrogateescape"), "stderr": stderr, "rc": rc}


def encode_arguments(module_args):
    """The bytes AnsiballZ gives a module as ``_ANSIBLE_ARGS``, on the ansible-core at hand."""
    # pylint: disable=import-outside-toplevel
    params = {"ANSIBLE_MODULE_ARGS": module_args}
    try:
        from ansible.module_utils.common.json import Direction, get_module_encoder  # ansible-core 2.19+
    except ImportError:  # ansible-core 2.17 and 2.18
        from ansible.module_utils.common.json import AnsibleJSONEncoder

        return json.dumps(params, cls=AnsibleJSONEncoder, vault_to_text=True).encode("utf-8", "surrogateescape")
    encoder = get_module_encoder(PROFILE, Direction.CONTROLLER_TO_MODULE)
    return json.dumps(params, cls=encoder).encode("utf-8", "surrogateescape")


def parse_result(action, res):
    """The action's own parser of a module's output (it takes the serialization profile from 2.19 on)."""
    parser = action._parse_returned_data  # pylint: disable=protected-access
    try:
        takes_profile = len(inspect.signature(parser).parameters) > 1
    except (TypeError, ValueError):
        takes_profile = True
    return parser(res, PROFILE) if takes_profile else parser(res)


# Found once, in the controller: every child of it uses the same.
_MODULE_SIDE, _MODULE_SIDE_PROBLEM = _module_side_once()


class InProcessModules:
    """Mixin for the action plugins of this collection (before ``ActionBase`` in the bases): their
    ``_execute_module`` runs a module of this collection in a forked child when :func:`ineligible`
    finds nothing against it, and the usual way otherwise. A subclass may name other collections
    whose modules run in the child too (:attr:`IN_PROCESS_COLLECTIONS`)."""

    IN_PROCESS_COLLECTIONS = ()

    def _resolve_module(self, name):
        """The module's FQCN, as _execute_module would find it (short names through ``collections``)."""
        from ansible.plugins.loader import module_loader  # pylint: disable=import-outside-toplevel

        try:
            context = module_loader.find_plugin_with_context(name, collection_list=self._task.collections)
        except Exception:  # pylint: disable=broad-except
            return name
        return context.resolved_fqcn if context.resolved else name

    def _in_process_refusal(self, name, task_vars, wrap_async):
        interpreter = task_vars.get("ansible_python_interpreter")
        enabled = task_vars.get(VARIABLE, True)
        try:
            interpreter = self._templar.template(interpreter)
            enabled = self._templar.template(enabled)
        except Exception:  # pylint: disable=broad-except
            return "ansible_python_interpreter or " + VARIABLE + " cannot be templated here"
        return ineligible(
            name,
            transport=getattr(self._connection, "transport", None),
            interpreter=interpreter,
            enabled=enabled,
            become=bool(getattr(self._play_context, "become", False)),
            run_async=bool(wrap_async or self._task.async_val),
            environment=self._task.environment,
            collections=self.IN_PROCESS_COLLECTIONS,
        )

    def _execute_module(
        self,
        module_name=None,
        module_args=None,
        tmp=None,
        task_vars=None,
        persist_files=False,
        delete_remote_tmp=None,
        wrap_async=False,
        ignore_unknown_opts=False,
    ):  # pylint: disable=too-many-arguments
        task_vars = task_vars if task_vars is not None else {}
        name = self._resolve_module(module_name or self._task.action)
        refusal = self._in_process_refusal(name, task_vars, wrap_async)
        if refusal:
            self._display.vvv(f"{name}: the module runs the usual way (AnsiballZ): {refusal}")
            return super()._execute_module(
                module_name=module_name,
                module_args=module_args,
                tmp=tmp,
                task_vars=task_vars,
                persist_files=persist_files,
                delete_remote_tmp=delete_remote_tmp,
                wrap_async=wrap_async,
                ignore_unknown_opts=ignore_unknown_opts,
            )
        return self._execute_module_in_process(name, module_args, task_vars, ignore_unknown_opts)

    def _execute_module_in_process(self, name, module_args, task_vars, ignore_unknown_opts):
        from ansible.vars.clean import remove_internal_keys  # pylint: disable=import-outside-toplevel

        module_args = dict(self._task.args if module_args is None else module_args)
        self._update_module_args(name, module_args, task_vars, ignore_unknown_opts=ignore_unknown_opts)
        self._display.vvv(f"{name}: the module runs in a child forked from the worker ({sys.executable})")
        self._used_interpreter = sys.executable
        data = parse_result(self, run(module_path(name, self.IN_PROCESS_COLLECTIONS), encode_arguments(module_args)))
        # What _execute_module does to a module's result after parsing it (no remote tmp, no async here).
        data.pop("_ansible_suppress_tmpdir_delete", None)
        if "results" in data and not isinstance(data["results"], (list, tuple)):
            data["ansible_module_results"] = data.pop("results")
            self._display.warning("Found internal 'results' key in module return, renamed to 'ansible_module_results'.")
        remove_internal_keys(data)
        for stream in ("stdout", "stderr"):
            if stream in data and f"{stream}_lines" not in data:
                data[f"{stream}_lines"] = (data[stream] or "").splitlines()
        return data


class InProcessAction(InProcessModules, ActionBase):
    """The action of a module of this collection that needs nothing but running it: Ansible's ``normal``
    action, with the module run in a forked child when it can. Each such module's file under
    plugins/action/ subclasses it as its ``ActionModule``.

    ``run`` is that of ``ansible.plugins.action.normal``, which this file does not import: a
    playbook's own ``action_plugins/normal.py`` (tests/integration has one) takes that Python name."""

    TRANSFERS_FILES = False
    _supports_check_mode = True
    _supports_async = True

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        wrap_async = self._task.async_val and not self._connection.has_native_async
        result = merge_hash(result, self._execute_module(task_vars=task_vars, wrap_async=wrap_async))
        if self._task.action in C._ACTION_SETUP:  # pylint: disable=protected-access
            result["_ansible_verbose_override"] = True
        if not wrap_async:
            self._remove_tmp_path(self._connection._shell.tmpdir)  # pylint: disable=protected-access
        return result
