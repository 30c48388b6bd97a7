package plans

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"filippo.io/age"

	"github.com/regflytt/regflytt/archive"
	"github.com/regflytt/regflytt/mappings"
	"github.com/regflytt/regflytt/verify"
)

// SealedSuffix names the encrypted archive package beside its folder.
const SealedSuffix = ".tar.age"

// checkSealable refuses, before anything is written, a run whose sealed
// package could not be written at the end.
func (r *runner) checkSealable(arcDir string) error {
	if len(r.plan.ArchiveEncryptTo) == 0 {
		if r.plan.ArchiveClearReason.IsSet() {
			return nil
		}
		if what := r.identities(); what != "" {
			return fmt.Errorf("%s: the archive package would keep identity numbers in clear (%s): name age recipients (archive.encrypt_to), or say why it may stay in clear (archive.unencrypted_reason) (nothing was written)", r.plan.File, what)
		}
		r.log.Warn("the archive package will hold the source's records in clear: name age recipients (archive.encrypt_to) or why it may stay in clear (archive.unencrypted_reason)")
		return nil
	}
	// Its checksum and the encryption's temporary file too: Encrypt
	// refuses to replace either, and a resume removes the ones there
	// (sealFiles) as the run's own.
	for _, p := range sealFiles(arcDir) {
		if _, err := os.Stat(p); err == nil {
			return fmt.Errorf("%s exists: move the old sealed package (and its checksum) away first (nothing was written)", p)
		}
	}
	return nil
}

// sealFiles are the files sealing the package in arcDir writes
// (archive.SealFiles). A run killed as it sealed (or after, before its
// last checkpoint) left some of them; Encrypt replaces none, so a resume
// removes them all before it seals again. Before the run began none was
// there (checkSealable): they are the run's own.
func sealFiles(arcDir string) []string {
	return archive.SealFiles(arcDir + SealedSuffix)
}

// beforeAssembly and beforeSeal, when set (by tests), are called as a
// run begins to assemble its archive package from the parts and to seal
// it: a test interrupts the run there.
var beforeAssembly, beforeSeal func()

// seal encrypts the finished archive package to the plan's recipients,
// writes the ciphertext's SHA-512 beside it, and removes the package in
// clear; it records in rep what it sealed (verify.SealedArchive), so that
// the follow-up can tell the sealed package is this run's without its
// key. Without recipients it does nothing.
func (r *runner) seal(ctx context.Context, arcDir string, meta archive.Meta, rep *verify.Report) error {
	if len(r.plan.ArchiveEncryptTo) == 0 {
		return nil
	}
	if beforeSeal != nil {
		beforeSeal()
	}
	var rs []age.Recipient
	for _, s := range r.plan.ArchiveEncryptTo {
		rec, err := age.ParseX25519Recipient(s.Value)
		if err != nil {
			return fmt.Errorf("%s: archive.encrypt_to: %w", s.Pos, err)
		}
		rs = append(rs, rec)
	}
	// ctx (a second Ctrl-C) stops the encryption, leaving no sealed
	// package and the clear one as it was: the run resumes and seals.
	sum, err := archive.EncryptContext(ctx, arcDir, arcDir+SealedSuffix, rs...)
	if err != nil {
		return fmt.Errorf("seal archive (the package stays in clear in %s): %w", arcDir, err)
	}
	if err := os.RemoveAll(arcDir); err != nil {
		return fmt.Errorf("archive sealed in %s, but the clear package in %s could not be removed: remove it: %w", arcDir+SealedSuffix, arcDir, err)
	}
	rep.Archive.Sealed = &verify.SealedArchive{File: filepath.Base(arcDir + SealedSuffix), SHA512: sum,
		Register: meta.Register, Owner: meta.Owner, Run: meta.Run}
	r.log.Info("archive sealed", "file", arcDir+SealedSuffix, "sha512", sum)
	return nil
}

// identities says why the plan handles personal identity numbers — a
// pseudonymisation key, an opt-out or erasure list, a mapping's person:,
// a mapped or dropped column that holds them (mappings.IdentitySources: one
// given to pnr(), or named personnummer) — or "" when nothing says it
// does. Archived records keep their source shape, identity columns
// included, so such a plan's archive may hold them in clear only by an
// explicit decision.
func (r *runner) identities() string {
	p := r.plan
	switch {
	case p.KeyFile.IsSet() || p.KeyEnv.IsSet():
		return "the plan pseudonymises identities"
	case p.OptOutTable.IsSet() || p.OptOutFile.IsSet() || p.ErasureTable.IsSet() || p.ErasureFile.IsSet():
		return "the plan has an opt-out or erasure list"
	}
	for _, f := range r.in.Mappings {
		for _, tm := range f.Tables {
			if tm.Person != nil {
				return "a mapping names a person: column"
			}
		}
	}
	if held := mappings.IdentitySources(r.in.Mappings); len(held) > 0 {
		return "the mappings read identity numbers: " + strings.Join(held, "; ")
	}
	return ""
}
