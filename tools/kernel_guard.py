"""Code the grader runs *inside* a submission's kernel, before the student's first cell.

Not imported by the grader: ``tools.kernel`` sends this file's text to the kernel once, before
any student cell, and then sends ``RESET`` before each restored test cell. ``install`` records
the pristine state of what a test cell relies on; the reset puts it back, so that what a
student's earlier cells redefined (exception classes, ``sys.excepthook``, IPython's custom
exception handler, input and AST transformers, event callbacks, the functions of
``course_utils.checks`` and of PyTorch, the kernel's own methods) cannot turn a failing test
into a passing one. It refuses to reset (and the question scores 0) while a Python thread that
the kernel did not start is alive, since such a thread could undo the reset while the test runs,
or while a ``torch.Tensor`` subclass with the notebook's code exists (its operators could lie to
the checks); ``VERIFY``, sent after a check cell that passed, fails it when such a subclass
appeared during the check.

This is hardening, not a wall: code in the same process can still reach this state (see the
grading section of README for what remains possible). The sandbox around the kernel is what
guarantees that nothing leaves it.
"""

def install():  # runs in the kernel, before any student code
    import builtins
    import gc
    import importlib
    import math
    import os
    import sys
    import threading
    import types

    import torch
    import torch.nn.functional
    from IPython import get_ipython

    import course_utils

    for name in ("bptt", "cells", "checks", "config", "data", "metrics", "models", "tasks",
                 "text", "training"):
        importlib.import_module(f"course_utils.{name}")
    subclasses = []  # every torch.Tensor subclass made from now on, held so none is collected

    def record_subclass(cls, **kwargs):
        subclasses.append(cls)
        super(torch.Tensor, cls).__init_subclass__(**kwargs)

    record = classmethod(record_subclass)
    type.__setattr__(torch.Tensor, "__init_subclass__", record)
    shell = get_ipython()
    kernel = getattr(shell, "kernel", None)
    modules = {name: module for name, module in sys.modules.items()
               if isinstance(module, types.ModuleType) and name.split(".")[0] == "course_utils"}
    for module in (builtins, math, sys, gc, torch, torch.nn, torch.nn.functional, torch.autograd,
                   torch.linalg, torch.testing, torch.nn.init):
        modules[module.__name__] = module
    classes = {torch.Tensor, torch.nn.Module, torch.nn.Parameter, torch.nn.Linear, torch.nn.LSTM,
               torch.nn.GRU, torch.nn.RNN, torch.nn.Embedding, torch.autograd.Function,
               *[c for m in modules.values() if m.__name__.startswith("course_utils")
                 for c in vars(m).values() if isinstance(c, type) and c.__module__ == m.__name__]}
    for obj in (shell, kernel, getattr(kernel, "session", None), shell.displayhook,
                shell.display_pub, shell.input_transformer_manager, shell.compile):
        if obj is not None:
            classes.update(c for c in type(obj).__mro__ if c is not object)
    classes.update(c for c in vars(builtins).values() if isinstance(c, type))
    module_state = {name: (m, dict(vars(m))) for name, m in modules.items()}
    class_state = {c: dict(vars(c)) for c in classes}
    instances = [o for o in (shell, kernel, getattr(kernel, "session", None),
                             shell.input_transformer_manager) if o is not None]
    instance_state = [(o, dict(vars(o))) for o in instances]
    manager = shell.input_transformer_manager
    lists = [(lst, list(lst)) for lst in (
        shell.input_transformers_cleanup, shell.input_transformers_post, shell.ast_transformers,
        manager.cleanup_transforms, manager.line_transforms, manager.token_transformers,
        gc.callbacks, *shell.events.callbacks.values())]
    dicts = [(d, dict(d)) for d in (getattr(kernel, "shell_handlers", None),
                                    getattr(kernel, "control_handlers", None)) if d is not None]
    hooks = {"excepthook": sys.excepthook, "displayhook": sys.displayhook,
             "stdout": sys.stdout, "stderr": sys.stderr}
    custom_tb = shell.CustomTB
    threads = set(sys._current_frames())
    trusted_dirs = tuple(str(p) for p in {sys.prefix, sys.base_prefix, os.path.dirname(course_utils.__file__)})

    def trusted_code(code) -> bool:
        filename = os.path.realpath(code.co_filename)
        return filename.startswith(trusted_dirs) and os.path.isfile(filename)

    def trusted_thread(ident) -> bool:
        """A thread that library code started and runs (tqdm's monitor): all its code installed."""
        frame = sys._current_frames().get(ident)
        while frame is not None:
            if not trusted_code(frame.f_code):
                return False
            frame = frame.f_back
        thread = threading._active.get(ident)
        for name in ("run", "_target", "function"):
            target = getattr(type(thread), name, None) if name == "run" else getattr(thread, name, None)
            code = getattr(getattr(target, "__func__", target), "__code__", None)
            if code is not None and not trusted_code(code):
                return False
        return thread is not None

    def notebook_tensor_classes() -> list:
        """Subclasses of torch.Tensor with code from the notebook (their operators could lie)."""
        found, todo = set(subclasses), [torch.Tensor]
        while todo:
            for sub in type.__subclasses__(todo.pop()):
                found.add(sub)
                todo.append(sub)
        suspect = []
        for cls in found:
            for value in vars(cls).values():
                target = getattr(value, "__func__", getattr(value, "fget", value))
                code = getattr(target, "__code__", None)
                if code is not None and not trusted_code(code):
                    suspect.append(cls.__name__)
                    break
        return suspect

    def put_back(obj, saved, remove_added):
        current = vars(obj)
        for key, value in saved.items():
            if current.get(key, saved) is not value:
                try:
                    type.__setattr__(obj, key, value) if isinstance(obj, type) else \
                        object.__setattr__(obj, key, value)
                except (AttributeError, TypeError):
                    pass
        if remove_added:
            for key in set(current) - set(saved):
                try:
                    type.__delattr__(obj, key) if isinstance(obj, type) else object.__delattr__(obj, key)
                except (AttributeError, TypeError):
                    pass

    def reset():
        stray = [t for t in set(sys._current_frames()) - threads if t != threading.get_ident()]
        untrusted = [t for t in stray if not trusted_thread(t)]
        if untrusted:
            raise RuntimeError(f"{len(untrusted)} thread(s) started by the notebook are still running; "
                               "the grader does not test while they run")
        sys.settrace(None)
        sys.setprofile(None)
        for c, saved in class_state.items():
            put_back(c, saved, remove_added=True)
        for name, (m, saved) in module_state.items():
            put_back(m, saved, remove_added=False)
            sys.modules[name] = m
        for obj, saved in instance_state:
            put_back(obj, {k: v for k, v in saved.items() if callable(v) or isinstance(v, (list, dict))},
                     remove_added=False)
            for key in [k for k, v in vars(obj).items() if k not in saved and callable(v)]:
                object.__delattr__(obj, key)
        for lst, saved in lists:
            lst[:] = saved
        for d, saved in dicts:
            d.clear()
            d.update(saved)
        for name, value in hooks.items():
            setattr(sys, name, value)
        shell.custom_exceptions = ()
        shell.CustomTB = custom_tb
        suspect = notebook_tensor_classes()
        if suspect:
            raise RuntimeError(f"the notebook defines tensor subclasses {sorted(suspect)}; "
                               "the grader does not test with them")
        gc.disable()  # nothing made during the check is collected before verify() sees it

    def verify():
        """After a check cell: it must have run without a notebook-made tensor subclass."""
        gc.enable()
        if torch.Tensor.__dict__.get("__init_subclass__") is not record:
            raise RuntimeError("torch.Tensor was changed during the check")
        suspect = notebook_tensor_classes()
        if suspect:
            raise RuntimeError(f"the check ran with tensor subclasses {sorted(suspect)} of the notebook")

    guard = types.ModuleType("__course_grader_guard__")
    guard.reset = reset
    guard.verify = verify
    sys.modules[guard.__name__] = guard


if __name__ == "__main__":  # in the kernel; never on import
    install()
    del install
