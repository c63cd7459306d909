# -*- coding: utf-8 -*-

# Copyright: Contributors to the multiaccount.apigateway project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Pieces shared by every API layer of the collection.

One retry policy for every call (amazon.aws jittered backoff that also retries API Gateway's
``TooManyRequestsException``), the tag that marks what this collection created, and the
tag helpers that keep that mark through ``purge_tags``.
"""

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

# Every resource this collection creates carries this tag; teardown removes only tagged resources.
MANAGED_TAG_KEY = "ManagedBy"
MANAGED_TAG_VALUE = "multiaccount.apigateway"

# API Gateway throttles control-plane calls (CreateDeployment is about one per 5 s per account)
# and answers TooManyRequestsException, which AWSRetry does not treat as a throttle by itself.
RETRY_ERROR_CODES = ["TooManyRequestsException"]

aws_retry = AWSRetry.jittered_backoff(retries=10, delay=1, max_delay=30, catch_extra_error_codes=RETRY_ERROR_CODES)


def managed_tags(tags):
    """Return ``tags`` (a dict, possibly None) with the managed-by mark added."""
    result = dict(tags or {})
    result[MANAGED_TAG_KEY] = MANAGED_TAG_VALUE
    return result


def is_managed(tags):
    """True when an ansible-style tag dict carries the managed-by mark."""
    return (tags or {}).get(MANAGED_TAG_KEY) == MANAGED_TAG_VALUE


def tag_changes(current, desired, purge_tags):
    """Tags to set and tag keys to remove, never removing the managed-by mark.

    ``desired`` None means "leave tags alone" (amazon.aws semantics).
    """
    if desired is None:
        return {}, []
    to_set, to_unset = compare_aws_tags(current or {}, managed_tags(desired), purge_tags=purge_tags)
    return to_set, [key for key in to_unset if key != MANAGED_TAG_KEY]
