"""What one running app owns: settings, defects, database, province client, approval sync and
the compliant alternatives it chose.

Built in the app's lifespan (not at import or in `create_app`), so that building the app to print
its OpenAPI document touches no database and no network.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from reference_platform.admission import RequestSlots, WorkQueue
from reference_platform.alternatives import ChosenAlternatives
from reference_platform.archive_pusher import ArchivePusher
from reference_platform.catalogue import ApprovalSync
from reference_platform.defects import ActiveDefects
from reference_platform.province_client import ProvinceClient
from reference_platform.settings import PlatformSettings


@dataclass
class PlatformContext:
    settings: PlatformSettings
    defects: ActiveDefects
    engine: Engine
    sessions: sessionmaker[Session]
    province: ProvinceClient
    approvals: ApprovalSync
    alternatives: ChosenAlternatives = field(default_factory=ChosenAlternatives)
    archive_pusher: ArchivePusher | None = None  # None without a province to push to
    # admission.py: the request sessions' slots and the heartbeats' workers
    slots: RequestSlots | None = None
    heartbeats: WorkQueue | None = None
    # heartbeat_path.py: the connection of the heartbeats run on the event loop's thread
    loop_connection: Connection | None = None
