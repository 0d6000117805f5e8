package history

import (
	"context"
	"fmt"
	"time"
)

// pruneEvery is how often retention runs after the one at start.
const pruneEvery = 24 * time.Hour

// Run is the history's only writer. It records the time since the last run as "not running",
// applies retention, then writes each batch of queued records in one transaction, notes a
// heartbeat, notices sleep, and applies retention daily. When ctx ends it writes what is queued
// and returns. Write failures never stop it: they are kept for a retry and shown by Err.
func (s *Store) Run(ctx context.Context) error {
	// Writes go on past ctx's end: what is queued then is flushed.
	wctx := context.WithoutCancel(ctx)
	w := newWriter(s)
	now := s.opt.Now()
	if err := w.load(wctx, now); err != nil {
		s.setWriteResult(err, 0, now)
		s.log.Warn("history could not be loaded; recording from scratch", "err", err)
	}
	w.prepare(wctx)
	defer w.close()
	if err := w.start(wctx, now); err != nil {
		s.setWriteResult(err, 0, now)
	}
	_ = w.commit(wctx, now)
	s.prune(wctx, now)

	beat := time.NewTicker(s.opt.Heartbeat)
	defer beat.Stop()
	daily := time.NewTicker(pruneEvery)
	defer daily.Stop()
	lastTick := now

	var flushes []chan error
	for {
		select {
		case <-ctx.Done():
			now := s.opt.Now()
		drain:
			for {
				select {
				case it := <-s.queue:
					flushes = w.take(it, now, flushes)
				default:
					break drain
				}
			}
			// The heartbeat is written at the stop whether due or not: the next start's "not
			// running" spell begins here, not up to a heartbeat earlier.
			w.lastBeat = time.Time{}
			err := w.commit(wctx, now)
			for _, f := range flushes {
				f <- err
			}
			return err
		case it := <-s.queue:
			now := s.opt.Now()
			flushes = w.take(it, now, flushes)
		more:
			for range drainMax {
				select {
				case it := <-s.queue:
					flushes = w.take(it, now, flushes)
				default:
					break more
				}
			}
			err := w.commit(wctx, now)
			for _, f := range flushes {
				f <- err
			}
			flushes = flushes[:0]
		case <-beat.C:
			now := s.opt.Now()
			// The ticker runs on the monotonic clock, which stands still while the computer
			// sleeps: a wall clock far ahead of it means a sleep.
			if gap := now.Sub(lastTick); gap > s.opt.Heartbeat+time.Minute {
				s.log.Info("history noticed a sleep", "gap", gap.String())
				w.addGap(gapRec{kind: GapAsleep, from: lastTick, to: now})
			}
			lastTick = now
			_ = w.commit(wctx, now)
		case <-daily.C:
			s.prune(wctx, s.opt.Now())
		}
	}
}

func (w *writer) take(it item, now time.Time, flushes []chan error) []chan error {
	if it.flush != nil {
		return append(flushes, it.flush)
	}
	w.apply(it, now)
	return flushes
}

// prune applies retention: records older than Keep go, then the oldest ones until the database
// fits MaxBytes. Each service's and source's last state before the cut is
// kept, moved to the cut, so the state at the start of the kept history stays known.
func (s *Store) prune(ctx context.Context, now time.Time) {
	removed, err := s.deleteBefore(ctx, now.Add(-s.opt.Keep).UnixMilli())
	if err != nil {
		s.log.Warn("history retention failed", "err", err)
		return
	}
	for range 10 {
		size, err := s.Size(ctx)
		if err != nil || size <= s.opt.MaxBytes {
			break
		}
		oldest, err := s.oldest(ctx)
		if err != nil || oldest == 0 || oldest >= now.UnixMilli() {
			break
		}
		// Drop the oldest share of the time span that should bring the size under 90 % of the
		// cap, at least a twentieth of it.
		frac := max(0.05, 1-0.9*float64(s.opt.MaxBytes)/float64(size))
		cut := oldest + int64(frac*float64(now.UnixMilli()-oldest))
		n, err := s.deleteBefore(ctx, cut)
		if err != nil {
			s.log.Warn("history retention failed", "err", err)
			break
		}
		removed += n
		s.log.Warn("history over its size cap; removed the oldest records", "size", size, "cap", s.opt.MaxBytes, "before", fromMS(cut).Format(time.RFC3339))
		if err := s.vacuum(ctx); err != nil {
			break
		}
	}
	if removed > 0 {
		// Give the freed pages back to the file system (the file shrinks at the checkpoint).
		if err := s.vacuum(ctx); err != nil {
			s.log.Warn("history could not release space", "err", err)
		}
		if _, err := s.w.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
			s.log.Warn("history could not release space", "err", err)
		}
	}
}

// vacuum gives the free pages back (incremental_vacuum). The pragma frees a page per step of its
// statement, so it is read to the end: an Exec steps once with the C driver, freeing one page.
func (s *Store) vacuum(ctx context.Context) error {
	rows, err := s.w.QueryContext(ctx, "PRAGMA incremental_vacuum")
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
	}
	return rows.Err()
}

func (s *Store) oldest(ctx context.Context) (int64, error) {
	var v int64
	err := s.w.QueryRowContext(ctx, `SELECT coalesce(min(t), 0) FROM (
		SELECT min(at) AS t FROM changes UNION ALL SELECT min(at) FROM messages
		UNION ALL SELECT min(from_at) FROM gaps UNION ALL SELECT min(first_seen) FROM incidents) WHERE t IS NOT NULL`).Scan(&v)
	return v, err
}

// deleteBefore removes what is older than cut (Unix ms) and returns how many rows went.
func (s *Store) deleteBefore(ctx context.Context, cut int64) (int64, error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("history: retention: %w", err)
	}
	defer tx.Rollback()
	var n int64
	for _, q := range []string{
		`DELETE FROM changes WHERE at < ?1 AND id NOT IN (SELECT max(id) FROM changes WHERE at < ?1 GROUP BY service, source)`,
		`UPDATE changes SET at = ?1, from_state = -1, reason = 'state at the start of the kept history' WHERE at < ?1`,
		`DELETE FROM gaps WHERE to_at IS NOT NULL AND to_at < ?1`,
		`UPDATE gaps SET from_at = ?1 WHERE from_at < ?1`,
		`DELETE FROM messages WHERE at < ?1`,
		`DELETE FROM incident_updates WHERE incident IN (SELECT id FROM incidents WHERE ended_at <> 0 AND last_seen < ?1)`,
		`DELETE FROM incidents WHERE ended_at <> 0 AND last_seen < ?1`,
	} {
		res, err := tx.ExecContext(ctx, q, cut)
		if err != nil {
			return 0, fmt.Errorf("history: retention: %w", err)
		}
		if c, err := res.RowsAffected(); err == nil && q[0] == 'D' {
			n += c
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("history: retention: %w", err)
	}
	return n, nil
}
