"""The client API's answer codes, and the detail sent with each (for developers)."""

from enum import StrEnum


class Code(StrEnum):
    VALID = "VALID"
    NOT_FOUND = "NOT_FOUND"
    TRANSFERRED = "TRANSFERRED"
    CANCELLED = "CANCELLED"
    TERMINATED = "TERMINATED"
    EXPIRED = "EXPIRED"
    SUSPENDED = "SUSPENDED"
    PRODUCT_SCOPE_MISMATCH = "PRODUCT_SCOPE_MISMATCH"
    VERSION_SCOPE_MISMATCH = "VERSION_SCOPE_MISMATCH"
    TOO_MANY_MACHINES = "TOO_MANY_MACHINES"
    NO_MACHINE = "NO_MACHINE"
    FINGERPRINT_SCOPE_MISMATCH = "FINGERPRINT_SCOPE_MISMATCH"
    HEARTBEAT_DEAD = "HEARTBEAT_DEAD"
    INVALID_REQUEST = "INVALID_REQUEST"
    RATE_LIMITED = "RATE_LIMITED"
    ALREADY_REGISTERED = "ALREADY_REGISTERED"


DETAIL = {
    Code.VALID: "The license is valid.",
    Code.NOT_FOUND: "No such license key (or machine).",
    Code.TRANSFERRED: "This key was replaced when the license was transferred.",
    Code.CANCELLED: "The license was cancelled.",
    Code.TERMINATED: "The license was terminated.",
    Code.EXPIRED: "The license term has ended.",
    Code.SUSPENDED: "The license is suspended for an unpaid invoice.",
    Code.PRODUCT_SCOPE_MISMATCH: "The license is for another product.",
    Code.VERSION_SCOPE_MISMATCH: "The license does not cover this major version.",
    Code.TOO_MANY_MACHINES: "More machines than the license has seats.",
    Code.NO_MACHINE: "No machine is activated on this license.",
    Code.FINGERPRINT_SCOPE_MISMATCH: "This machine is not activated on the license.",
    Code.HEARTBEAT_DEAD: "This machine missed its heartbeats.",
    Code.INVALID_REQUEST: "The request is malformed.",
    Code.RATE_LIMITED: "Too many requests; retry later.",
    Code.ALREADY_REGISTERED: "This license is registered already.",
}
