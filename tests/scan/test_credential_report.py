"""The IAM credential report parser: typed values, sentinels, and shapes it must survive without crashing."""

from __future__ import annotations

from datetime import UTC, datetime

from fixtures.inventory.snapshot_builder import fixture_text

from assurance_jobs.scan.credential_report import CREDENTIAL_REPORT_COLUMNS, parse_credential_report

HEADER = ",".join(CREDENTIAL_REPORT_COLUMNS)
# A line exactly as moto 5 writes it: region/service 'not_supported', password_next_rotation 'not_supported'.
MOTO_LINE = (
    "svc-moto,arn:aws:iam::123456789012:user/svc-moto,2026-01-01T00:00:00+00:00,false,not_supported,"
    "2026-01-01T00:00:00+00:00,not_supported,false,true,2026-01-02T00:00:00+00:00,2026-02-01T00:00:00+00:00,"
    "not_supported,not_supported,false,N/A,N/A,not_supported,not_supported,false,N/A,false,N/A"
)


def _row(report_text: str, user: str):
    report = parse_credential_report(report_text.encode())
    return next(row for row in report.rows if row.user == user), report


def test_fixture_report_parses_without_warnings() -> None:
    report = parse_credential_report(fixture_text("credential_report.csv").encode())
    assert report.parse_warnings == []
    assert [row.user for row in report.rows][:2] == ["<root_account>", "svc-deploy"]


def test_timestamps_become_aware_utc_datetimes() -> None:
    row, _ = _row(fixture_text("credential_report.csv"), "svc-deploy")
    assert row.access_key_1_last_rotated == datetime(2026, 8, 27, 6, 0, tzinfo=UTC)


def test_true_false_become_booleans() -> None:
    row, _ = _row(fixture_text("credential_report.csv"), "svc-deploy")
    assert (row.access_key_1_active, row.password_enabled) == (True, False)


def test_n_a_and_no_information_become_none() -> None:
    row, _ = _row(fixture_text("credential_report.csv"), "svc-report")
    assert row.password_last_used is None  # no_information
    assert row.access_key_1_last_rotated is None  # N/A


def test_root_account_row_is_recognised_and_not_supported_is_none() -> None:
    row, _ = _row(fixture_text("credential_report.csv"), "<root_account>")
    assert row.is_root
    assert row.password_enabled is None


def test_moto_not_supported_last_used_region_and_service_are_none() -> None:
    row, report = _row(f"{HEADER}\n{MOTO_LINE}\n", "svc-moto")
    assert report.parse_warnings == []
    assert (row.access_key_1_last_used_region, row.access_key_1_last_used_service) == (None, None)
    assert row.access_key_1_last_used_date == datetime(2026, 2, 1, tzinfo=UTC)


def test_z_suffix_and_naive_timestamps_are_utc() -> None:
    line = MOTO_LINE.replace("2026-01-02T00:00:00+00:00", "2026-01-02T00:00:00Z").replace(
        "2026-02-01T00:00:00+00:00", "2026-02-01T00:00:00"
    )
    row, report = _row(f"{HEADER}\n{line}\n", "svc-moto")
    assert report.parse_warnings == []
    assert row.access_key_1_last_rotated == datetime(2026, 1, 2, tzinfo=UTC)
    assert row.access_key_1_last_used_date == datetime(2026, 2, 1, tzinfo=UTC)


def test_missing_column_is_flagged_and_its_values_are_none() -> None:
    header = HEADER.replace(",mfa_active", "")
    line = MOTO_LINE.replace(",not_supported,false,true,", ",not_supported,true,", 1)
    row, report = _row(f"{header}\n{line}\n", "svc-moto")
    assert report.parse_warnings == ["credential report: missing columns mfa_active"]
    assert row.mfa_active is None
    assert row.access_key_1_active is True


def test_unparseable_timestamp_is_flagged_and_left_none() -> None:
    line = MOTO_LINE.replace("2026-02-01T00:00:00+00:00", "last tuesday")
    row, report = _row(f"{HEADER}\n{line}\n", "svc-moto")
    assert row.access_key_1_last_used_date is None
    assert len(report.parse_warnings) == 1
    assert "access_key_1_last_used_date" in report.parse_warnings[0]


def test_unparseable_boolean_is_flagged_and_left_none() -> None:
    line = MOTO_LINE.replace(",false,true,", ",false,yes,", 1)
    row, report = _row(f"{HEADER}\n{line}\n", "svc-moto")
    assert row.access_key_1_active is None
    assert "access_key_1_active" in report.parse_warnings[0]


def test_extra_unknown_column_is_kept_aside_without_warning() -> None:
    row, report = _row(f"{HEADER},future_column\n{MOTO_LINE},surprise\n", "svc-moto")
    assert report.parse_warnings == []
    assert row.extra == {"future_column": "surprise"}


def test_short_row_is_flagged_not_fatal() -> None:
    short = ",".join(MOTO_LINE.split(",")[:10])
    row, report = _row(f"{HEADER}\n{short}\n", "svc-moto")
    assert row.access_key_1_last_rotated == datetime(2026, 1, 2, tzinfo=UTC)
    assert row.cert_2_last_rotated is None
    assert any("row is short" in warning for warning in report.parse_warnings)


def test_empty_report_is_flagged() -> None:
    report = parse_credential_report(b"")
    assert report.rows == []
    assert report.parse_warnings == ["credential report is empty (no header)"]


def test_frame_has_22_columns_with_utc_timestamps_and_nullable_booleans() -> None:
    frame = parse_credential_report(fixture_text("credential_report.csv").encode()).to_frame()
    assert list(frame.columns) == list(CREDENTIAL_REPORT_COLUMNS)
    assert str(frame["user_creation_time"].dt.tz) == "UTC"
    assert str(frame["password_enabled"].dtype) == "boolean"
