"""`directory_feed`: the HR/IdP export of people and their status, snapshotted byte for byte (cited on NHI-OFF-004)."""

from collections.abc import Sequence

from assurance_jobs.collect.files import snapshot_file
from assurance_jobs.config import AssuranceConfig
from assurance_jobs.input_errors import InputError
from assurance_jobs.scan.ownership import parse_directory_feed_bytes
from assurance_jobs.snapshot.model import DIRECTORY_FEED, CollectionStatus, SourceBlob
from assurance_jobs.source import FileSource

API = "file:directory_feed"


def collect(config: AssuranceConfig, accounts: Sequence[str]) -> tuple[list[SourceBlob], list[CollectionStatus]]:
    """Owner departures are judged on the feed as it was when the estate was observed; a feed that vanished
    between the pre-run check and collection makes NHI-OFF-004 INCOMPLETE."""
    feed = config.directory_feed
    assert feed is not None

    def validate(raw: bytes) -> str:
        parse_directory_feed_bytes(raw, feed, feed.path)
        return "csv"

    return snapshot_file(
        DIRECTORY_FEED,
        API,
        feed.path,
        accounts,
        validate=validate,
        malformed=(InputError,),
        code_prefix="DirectoryFeed",
    )


SOURCE = FileSource(
    name=DIRECTORY_FEED,
    api=API,
    description="the HR/IdP export of people and their status, snapshotted byte for byte (cited on NHI-OFF-004)",
    extension="csv",
    configured=lambda config: config.directory_feed is not None,
    collect=collect,
)
