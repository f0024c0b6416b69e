"""The one estimator contract shared by cxinsight's learned and configurable objects.

``Anonymiser``, ``EmotionTagger`` and ``ThemeModel`` follow scikit-learn's conventions:

- ``__init__`` stores every parameter, as given, in an attribute of the same name and does
  nothing else (no validation, no derived settings);
- parameters are validated when they are used (``fit``, ``detect``, ``predict``), so that
  ``model.labels = [...]`` or ``model.set_params(labels=[...])`` takes effect on the next call;
- learned state lives in attributes ending in ``_`` and is set only by fitting;
- ``get_params`` / ``set_params`` read and change the parameters by name, and a fitted
  attribute used before fitting raises :class:`~cxinsight.errors.NotFittedError` with the call
  that fixes it.
"""

from __future__ import annotations

import inspect
from typing import Any

from cxinsight.errors import InputError, NotFittedError


class Estimator:
    """Base class giving ``get_params``, ``set_params``, ``__repr__`` and fitted checks.

    Subclasses list their parameters as keyword arguments of ``__init__`` and store each one
    unchanged under its own name.
    """

    @classmethod
    def _param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return [
            p.name
            for p in sig.parameters.values()
            if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        ]

    def get_params(self, deep: bool = False) -> dict[str, Any]:
        """Return the parameters as given to ``__init__`` (or changed since).

        Parameters
        ----------
        deep : bool, default False
            Accepted for scikit-learn compatibility; nested estimators are returned as objects.

        Returns
        -------
        dict
            Parameter name to value.
        """
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> Estimator:
        """Change parameters by name and return the estimator itself.

        Raises
        ------
        ValueError
            A name that is not a parameter; the message lists the valid ones.
        """
        valid = self._param_names()
        for name, value in params.items():
            if name not in valid:
                raise InputError(
                    f"{type(self).__name__}.set_params(): {name!r} is not a parameter; "
                    f"valid parameters are {valid}."
                )
            setattr(self, name, value)
        return self

    def _check_fitted(self, attribute: str, fix: str) -> None:
        """Raise :class:`NotFittedError` naming ``fix`` when ``attribute`` is not set yet."""
        if getattr(self, attribute, None) is None:
            raise NotFittedError(
                f"This {type(self).__name__} is not fitted yet: call {fix} first."
            )

    def __repr__(self) -> str:
        sig = inspect.signature(type(self).__init__)
        shown = []
        for name in self._param_names():
            default = sig.parameters[name].default
            value = getattr(self, name, None)
            try:
                same = value is default or bool(value == default)
            except Exception:  # arrays, frames: always shown
                same = False
            if not same:
                shown.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(shown)})"
