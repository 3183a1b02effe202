"""CloudStack's API error codes and the exception handlers raise.

Codes are ApiErrorCode's; ``cserrorcode`` is CSExceptionErrorCode's number for the Java
exception CloudStack would have thrown (9999 for ServerApiException).
"""

UNAUTHORIZED = 401
PARAM_ERROR = 431
UNSUPPORTED_ACTION = 432
INTERNAL_ERROR = 530
ACCOUNT_ERROR = 531
RESOURCE_LIMIT = 532
INSUFFICIENT_CAPACITY = 533
RESOURCE_UNAVAILABLE = 534
RESOURCE_ALLOCATION = 535
RESOURCE_IN_USE = 536
NETWORK_RULE_CONFLICT = 537

CS_SERVER_API = 9999
CS_CLOUD_RUNTIME = 4250
CS_CONCURRENT_OPERATION = 4300
CS_INSUFFICIENT_ADDRESS = 4320
CS_INSUFFICIENT_CAPACITY = 4325
CS_INSUFFICIENT_SERVER = 4335
CS_INVALID_PARAMETER = 4350
CS_NETWORK_RULE_CONFLICT = 4360
CS_PERMISSION_DENIED = 4365
CS_RESOURCE_ALLOCATION = 4370
CS_RESOURCE_IN_USE = 4375
CS_RESOURCE_UNAVAILABLE = 4380
CS_STORAGE_UNAVAILABLE = 4385


class ApiError(Exception):
    """An error answered to the caller in CloudStack's error shape."""

    def __init__(self, errorcode, errortext, cserrorcode=CS_SERVER_API):
        super().__init__(errortext)
        self.errorcode = errorcode
        self.errortext = errortext
        self.cserrorcode = cserrorcode

    def body(self):
        body = {"uuidList": [], "errorcode": self.errorcode, "errortext": self.errortext}
        if self.cserrorcode is not None:
            body["cserrorcode"] = self.cserrorcode
        return body


def invalid(text):
    """InvalidParameterValueException: CloudStack answers it as 431."""
    return ApiError(PARAM_ERROR, text, CS_INVALID_PARAMETER)


def denied(text):
    """PermissionDeniedException: CloudStack answers it as 531."""
    return ApiError(ACCOUNT_ERROR, text, CS_PERMISSION_DENIED)


def internal(text, cserrorcode=CS_CLOUD_RUNTIME):
    """CloudRuntimeException and its kin: 530."""
    return ApiError(INTERNAL_ERROR, text, cserrorcode)


def in_use(text):
    return ApiError(RESOURCE_IN_USE, text, CS_RESOURCE_IN_USE)


def unavailable(text, cserrorcode=CS_RESOURCE_UNAVAILABLE):
    return ApiError(RESOURCE_UNAVAILABLE, text, cserrorcode)


def capacity(text):
    return ApiError(INSUFFICIENT_CAPACITY, text, CS_INSUFFICIENT_SERVER)


def rule_conflict(text):
    """NetworkRuleConflictException: 537."""
    return ApiError(NETWORK_RULE_CONFLICT, text, CS_NETWORK_RULE_CONFLICT)


# BaseCmd.USER_ERROR_MESSAGE: what ApiServer.handleRequest answers a caller that is not a root admin instead of
# the text of a 530 (any unexpected exception), 533 or 534 raised by a sync command.
USER_ERROR_MESSAGE = "Internal error executing command, please contact your system administrator"


def internal_for(caller, text, cserrorcode=CS_CLOUD_RUNTIME):
    """A sync command's 530: its text only for a root admin (ApiServer.handleRequest's catch-all)."""
    return internal(text if caller.is_root else USER_ERROR_MESSAGE, cserrorcode)
