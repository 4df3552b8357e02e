-- Who holds a sync's lease: a runner that lost it (it outlived the lease, another took over)
-- must not write progress, release the new holder's lease or finish the sync a second time.
ALTER TABLE zoom_meeting_syncs ADD COLUMN lease_owner uuid;
