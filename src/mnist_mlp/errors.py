"""Errors a user can cause: a bad config, data or device. A job reports one as a single line."""


class UserError(Exception):
    """Something the user can fix; its message names the thing and the fix."""


class DeviceError(UserError, RuntimeError):
    """The configured device is not there."""
