"""One small class per error code the emulator answers with (moto style).

Every error is an ``SlbError``: an HTTP status, a code and a message; slb_api.py renders it
as ``{"RequestId", "HostId", "Code", "Message", "Recommend"}``. Owns the codes and their
messages; raised on both sides (the domain and the wire). Imports nothing of the package.
"""

from __future__ import annotations


class SlbError(Exception):
    status: int = 400
    code: str = "InvalidParameter"
    message: str = "The specified parameter is not valid."

    def __init__(self, message: str | None = None, *, code: str | None = None,
                 status: int | None = None) -> None:
        super().__init__(message or self.message)
        if message is not None:
            self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status

    def __str__(self) -> str:
        return "%s %s: %s" % (self.status, self.code, self.message)


# --- request / protocol -------------------------------------------------------------

class MissingParameter(SlbError):
    code = "MissingParameter"

    def __init__(self, name: str, message: str | None = None) -> None:
        super().__init__(message or
            'The input parameter "%s" that is mandatory for processing this request '
            "is not supplied." % name)


class InvalidParameter(SlbError):
    code = "InvalidParameter"

    def __init__(self, name: str | None = None, message: str | None = None) -> None:
        super().__init__(message or "The specified parameter %s is not valid." % name)


class InvalidAction(SlbError):
    status = 404
    code = "InvalidAction.NotFound"
    message = "Specified api is not found, please check your url and method."


class InvalidVersion(SlbError):
    code = "InvalidVersion"
    message = "Specified parameter Version is not valid."


class UnsupportedHTTPMethod(SlbError):
    status = 405
    code = "UnsupportedHTTPMethod"
    message = "This http method is not supported."


class RequestEntityTooLarge(SlbError):
    status = 413
    code = "RequestEntityTooLarge"
    message = "The request body is too large."


class RequestTimeout(SlbError):
    status = 408
    code = "RequestTimeout"
    message = "The request body was not received in time."


class BadRequest(SlbError):
    code = "BadRequest"
    message = "The request could not be understood."


# --- authentication -----------------------------------------------------------------

class InvalidAccessKeyIdNotFound(SlbError):
    status = 404
    code = "InvalidAccessKeyId.NotFound"
    message = "Specified access key is not found."


class SignatureDoesNotMatch(SlbError):
    code = "SignatureDoesNotMatch"

    def __init__(self, string_to_sign: str) -> None:
        # The SDK splits this message on ':' and compares the second part with its own
        # string to sign: keep exactly one ':' before it (the string itself has none,
        # every ':' in it is percent-encoded).
        super().__init__(
            "Specified signature is not matched with our calculation. "
            "server string to sign is:" + string_to_sign)


class IncompleteSignature(SlbError):
    """A V3 Authorization header that cannot be read (code: as the V3 docs name it)."""
    code = "IncompleteSignature"
    message = "The request signature does not conform to Aliyun standards."


class ContentSha256Mismatch(SlbError):
    """x-acs-content-sha256 differs from the body's hash: the real code is not documented."""
    code = "InvalidParameter"
    message = "The x-acs-content-sha256 header does not match the hash of the request body."


class InvalidSignatureMethod(SlbError):
    code = "InvalidSignatureMethod"
    message = "Specified signature method is not supported (only HMAC-SHA1)."


class InvalidSignatureVersion(SlbError):
    code = "InvalidSignatureVersion"
    message = "Specified signature version is not supported (only 1.0)."


class InvalidTimeStampFormat(SlbError):
    code = "InvalidTimeStamp.Format"
    message = "Specified time stamp or date value is not well formatted."


class InvalidTimeStampExpired(SlbError):
    code = "InvalidTimeStamp.Expired"
    message = "Specified time stamp or date value is expired."


class SignatureNonceUsed(SlbError):
    code = "SignatureNonceUsed"
    message = "Specified signature nonce was used already."


class InvalidSecurityTokenMalformed(SlbError):
    code = "InvalidSecurityToken.Malformed"
    message = "The security token you provided is malformed."


class InvalidSecurityTokenMismatch(SlbError):
    code = "InvalidSecurityToken.Mismatch"
    message = "The security token you provided does not match the AccessKeyId."


# --- faults -------------------------------------------------------------------------

class Throttling(SlbError):
    code = "Throttling.User"
    message = "Request was denied due to user flow control."


class InjectedError(SlbError):
    pass


class ServiceUnavailable(SlbError):
    """The emulator's own storage failed (a full disk): the real API's code and text for a
    temporary failure of the server; clients retry it, and nothing was applied."""
    status = 503
    code = "ServiceUnavailable"
    message = "The request has failed due to a temporary failure of the server."


# --- the seed document's seven codes ------------------------------------------------

class BackendServersNumMustBeTwo(SlbError):
    code = "BACKEND_SERVERS_NUM_MUST_BE_TWO"
    message = "Backend servers num must be 2."


class BackendServersHaveSamePortAndServerId(SlbError):
    code = "BACKEND_SERVERS_HAVE_SAME_PORT_AND_SERVERID"
    message = "Backend servers have same port and serverId."


class BackendServersOneMasterOneSlave(SlbError):
    code = "BACKEND_SERVERS_CAN_ONLY_CONTAIN_ONE_MASTER_AND_ONE_SLAVE"
    message = "Backend servers can only contain one master and one slave."


class BackendServerIdCanNotEmpty(SlbError):
    code = "BACKEND_SERVER_ID_CAN_NOT_EMPTY"
    message = "Backend server id can not empty."


class InvalidServerType(SlbError):
    code = "INVALID_SERVER_TYPE"
    message = "Invalid server type."


class BackendServerPortCanNotEmpty(SlbError):
    code = "BACKEND_SERVER_PORT_CAN_NOT_EMPTY"
    message = "Backend server port can not empty."


class RealServerPortNotSupport(SlbError):
    code = "RealServerPortNotSupport"
    message = "Real server port not support."


# --- other resource rules -----------------------------------------------------------

class InvalidLoadBalancerIdNotFound(SlbError):
    code = "InvalidLoadBalancerId.NotFound"
    message = "The specified LoadBalancerId does not exist."


class MasterSlaveGroupNotFound(SlbError):
    # The real API answers a missing group with a plain InvalidParameter.
    code = "InvalidParameter"
    message = "The specified MasterSlaveGroupId does not exist."


class BackendServerNotExist(SlbError):
    code = "InvalidBackendServers.ServerIdNotExist"

    def __init__(self, server_id: str) -> None:
        super().__init__("The specified backend server %s does not exist." % server_id)


class InvalidWeight(SlbError):
    code = "InvalidParameter.Weight"
    message = "The specified Weight is not valid: it must be an integer from 0 to 100."


class InvalidType(SlbError):
    code = "InvalidParameter.Type"
    message = "The specified Type is not valid: it must be ecs, eni or eci."


class InvalidServerList(SlbError):
    code = "InvalidParameter"
    message = "The specified parameter MasterSlaveBackendServers is not valid."


class InvalidGroupName(SlbError):
    code = "InvalidParameter.MasterSlaveServerGroupName"
    message = "The specified MasterSlaveServerGroupName is not valid: at most 80 characters."


class RspoolVipExist(SlbError):
    code = "RspoolVipExist"
    # The API reference's text, lower-case first letter included.
    message = "there are vips associating with this vServer group."


class InvalidTagKey(SlbError):
    code = "InvalidTagKey"
    message = ("The specified tag key is not valid: 1 to 64 characters, not starting with "
               "'aliyun' or 'acs:', without 'http://' or 'https://'.")


class DuplicateTagKey(SlbError):
    code = "InvalidTagKey.Duplicate"
    message = "The same tag key is given more than once."


class InvalidTagValue(SlbError):
    code = "InvalidTagValue"
    message = ("The specified tag value is not valid: at most 128 characters, not starting "
               "with aliyun or acs:, not containing http:// or https://.")


class InvalidTagNum(SlbError):
    code = "InvalidParameter.TagNum"
    message = "The number of tags in the request exceeds 20."


class TooManyResourceIds(SlbError):
    """More than 20 ResourceId.N (the real code is not documented)."""
    code = "InvalidParameter"
    message = "The number of ResourceId.N exceeds 20."


class InvalidServerDescription(SlbError):
    """A server Description outside the documented rule (real code not documented)."""
    code = "InvalidParameter"
    message = ("The specified Description is not valid: 1 to 80 letters, digits, Chinese "
               "characters, hyphens (-), forward slashes (/), periods (.) and underscores (_).")


class InvalidTagCount(SlbError):
    code = "InvalidTagCount"
    message = "The number of tags on a resource would exceed 20."


class InvalidResourceIdNotFound(SlbError):
    code = "InvalidResourceId.NotFound"

    def __init__(self, resource_id: str) -> None:
        super().__init__("The specified resource %s does not exist." % resource_id)


class InvalidResourceType(SlbError):
    code = "InvalidParameter.ResourceType"
    message = "The specified ResourceType is not valid: only masterslaveservergroup."


class ListenerAlreadyExists(SlbError):
    code = "ListenerAlreadyExists"
    message = "The listener with the specified port and protocol already exists."


class ListenerNotFound(SlbError):
    code = "InvalidParameter"
    message = "The specified listener does not exist."


class GroupNotInLoadBalancer(SlbError):
    code = "InvalidParameter"

    def __init__(self, group_id: str | None, load_balancer_id: str) -> None:
        super().__init__(
            "The specified MasterSlaveServerGroupId %s does not belong to load balancer %s."
            % (group_id, load_balancer_id))
