package archive

import (
	"archive/tar"
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

	"filippo.io/age"
)

// RuleSealedFixity names a sealed package whose ciphertext is not the
// one its checksum file (PKG.sha512) names.
const RuleSealedFixity = "sealed-fixity"

// sealedVerifyInfix names the temporary clear copies VerifySealed opens
// a sealed package into, beside it: PKG.verify-clear-RANDOM.
const sealedVerifyInfix = ".verify-clear-"

// SealedVerifyLeftovers lists the clear copies VerifySealed left beside
// the sealed package at path: it removes its own on every way out it
// sees (an error, an interrupt), so one is left only by a process killed
// outright (SIGKILL, a power cut), and holds the package in clear.
func SealedVerifyLeftovers(path string) []string {
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		return nil
	}
	var out []string
	prefix := filepath.Base(path) + sealedVerifyInfix
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), prefix) {
			out = append(out, filepath.Join(filepath.Dir(path), e.Name()))
		}
	}
	return out
}

// VerifySealed verifies the sealed package at path (a file, PKG.tar.age)
// with the identities that open it, as Verify verifies a folder: it
// opens it into a temporary clear copy beside it (a folder of mode 0700,
// PKG.verify-clear-RANDOM, files 0600), verifies that with VerifyEach
// and also (when not nil: the XML schemas, which xmllint reads from
// files), and removes it before it returns, on every path: an error, a
// wrong key, a damaged ciphertext, and ctx's cancellation (Ctrl-C),
// which removes the copy at once, under a verification still reading it,
// and gives ctx's error. Reading.Package is the package as it was read;
// its files are gone.
//
// The copy is on disk because the reader reads a package's files side by
// side (a table's records and outcomes), by name (the manifests), and
// hands them to xmllint, none of which a tar's one pass over its entries
// allows without holding the whole package in memory.
//
// Besides the package's own problems, its Reading names what is left
// beside the sealed file (an interrupted erasure's or verification's
// clear copy: erase-leftover), and a checksum file (PKG.sha512) that does
// not name the ciphertext read (sealed-fixity).
//
// The copy holds every record in clear, so its opening is logged beside
// the sealed package (AccessLogPath(path)) as o says who and when, with
// the purpose "verify" unless o gives one: before its first clear byte
// is written (EventOpening, naming the copy, synced), and once it is
// removed (EventClearRemoved, with the records read). A verification
// killed outright leaves its copy named by the first entry alone, which
// archive log shows as an opening not finished. A wrong key logs
// nothing: nothing was opened.
func VerifySealed(ctx context.Context, path string, ids []age.Identity, o Opening, also func(dir string) ([]Problem, error)) (_ Reading, err error) {
	if o.Purpose == "" {
		o.Purpose = "verify"
	}
	if st, err := os.Stat(path); err != nil {
		return Reading{}, fmt.Errorf("verify: %w", err)
	} else if !st.Mode().IsRegular() {
		return Reading{}, fmt.Errorf("verify: %s is not a sealed package (a file): verify the folder without --identity", path)
	}
	var beside []Problem
	for _, left := range append(SealedEraseLeftovers(path), SealedVerifyLeftovers(path)...) {
		beside = append(beside, Problem{File: "../" + filepath.Base(left), Rule: RuleEraseLeftover,
			Detail: "left beside the sealed package by an interrupted or failed erasure or verification: it holds records in clear: check it and remove it"})
	}
	if err := CheckLoggedText("purpose", o.Purpose); err != nil {
		return Reading{}, fmt.Errorf("verify: %w", err)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(path), filepath.Base(path)+sealedVerifyInfix)
	if err != nil {
		return Reading{}, fmt.Errorf("verify %s: the temporary clear copy beside it (mode 0700, removed when done) cannot be made: %w", path, err)
	}
	op, err := newOpening(path, tmp, o)
	if err != nil {
		os.RemoveAll(tmp)
		return Reading{}, fmt.Errorf("verify: %w", err)
	}
	// The copy is removed on every way out, and its removal logged
	// when its opening was: how the verification ended, and how many
	// records it read.
	ended, records := "stopped before it was done (an error or an interrupt)", int64(-1)
	defer func() {
		if rerr := op.removed(tmp, ended, records); rerr != nil && err == nil {
			err = fmt.Errorf("verify %s: %w", path, rerr)
		}
	}()
	// An interrupt removes the clear copy at once, under whatever still
	// reads it: the verification then fails, and ctx's error is given.
	stop := context.AfterFunc(ctx, func() { os.RemoveAll(tmp) })
	defer stop()
	dir := filepath.Join(tmp, "package")
	sum, err := unseal(ctx, path, dir, ids, func() error { return op.start(ctx) })
	if err != nil {
		return Reading{}, err
	}
	r := VerifyEach(dir, nil)
	if r.Package != nil {
		records = recordsOf(r.Package)
	}
	if err := ctx.Err(); err != nil {
		return Reading{}, fmt.Errorf("verify %s: stopped, its clear copy removed: %w", path, err)
	}
	if also != nil {
		more, err := also(dir)
		if cerr := ctx.Err(); cerr != nil {
			return Reading{}, fmt.Errorf("verify %s: stopped, its clear copy removed: %w", path, cerr)
		}
		if err != nil {
			return Reading{}, err
		}
		r.Problems = append(r.Problems, more...)
	}
	// archive encrypt writes the checksum beside every sealed package:
	// without it (or unreadable) the ciphertext's fixity is held to
	// nothing, and a package edited and sealed again would pass.
	if b, err := os.ReadFile(path + ".sha512"); err != nil {
		beside = append(beside, Problem{File: "../" + filepath.Base(path) + ".sha512", Rule: RuleSealedFixity,
			Detail: "the checksum archive encrypt wrote beside the sealed package cannot be read, so its fixity is not checked: " + err.Error()})
	} else if want, _, _ := strings.Cut(string(b), " "); !strings.EqualFold(strings.TrimSpace(want), sum) {
		beside = append(beside, Problem{File: "../" + filepath.Base(path) + ".sha512", Rule: RuleSealedFixity,
			Detail: "the checksum does not name the sealed package read (replaced, or sealed again since?)"})
	}
	r.Problems = append(beside, r.Problems...)
	ended = fmt.Sprintf("verified, %d problem(s)", len(r.Problems))
	return r, nil
}

// SealedEvents reads the event log sealed inside the sealed package at
// file (PKG.tar.age) with the identities that open it: the ciphertext is
// decrypted as a stream and only the event log is kept, so nothing is
// written in clear, and nothing beside the sealed package changes. It
// reads to the ciphertext's end (age checks the last chunk's tag there)
// and holds the log to its hash chain and to the tag manifest's digest,
// as verify does: an event log edited or cut is an error, not a shorter
// list.
// A wrong key is ErrWrongKey. ctx stops it (ctxReader).
func SealedEvents(ctx context.Context, file string, ids []age.Identity) ([]Event, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("event log sealed in %s: %w", file, err)
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 256<<10)
	r, err := openAge(br, ids)
	if err != nil {
		return nil, fmt.Errorf("event log sealed in %s: %w", file, err)
	}
	var log, tagManifest []byte
	found := false
	r = ctxReader{ctx, r}
	tr := tar.NewReader(r)
	for {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("event log sealed in %s: %w", file, err)
		}
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("event log sealed in %s: %w", file, err)
		}
		if hdr.Typeflag == tar.TypeReg && path.Clean(hdr.Name) == tagManifestName {
			if tagManifest != nil {
				return nil, fmt.Errorf("event log sealed in %s: the sealed tar holds %s twice", file, tagManifestName)
			}
			if tagManifest, err = io.ReadAll(io.LimitReader(tr, 1<<20)); err != nil {
				return nil, fmt.Errorf("event log sealed in %s: %w", file, err)
			}
			continue
		}
		if hdr.Typeflag != tar.TypeReg || path.Clean(hdr.Name) != eventsName {
			continue
		}
		if found {
			return nil, fmt.Errorf("event log sealed in %s: the sealed tar holds %s twice", file, eventsName)
		}
		found = true
		if log, err = io.ReadAll(tr); err != nil {
			return nil, fmt.Errorf("event log sealed in %s: %w", file, err)
		}
	}
	// The rest of the payload and the ciphertext's end: a sealed file
	// cut short or edited fails here.
	if _, err := io.Copy(io.Discard, r); err != nil {
		return nil, fmt.Errorf("event log sealed in %s: %w", file, err)
	}
	if !found {
		return nil, fmt.Errorf("event log sealed in %s: the sealed package holds no %s", file, eventsName)
	}
	// The chain holds a log cut after any line (the lines after it gone
	// too): the tag manifest, as verify reads it, holds the whole log.
	if err := listedDigest(tagManifest, eventsName, log); err != nil {
		return nil, fmt.Errorf("event log sealed in %s: %s: %w", file, eventsName, err)
	}
	var broken error
	checkEventChain(log, func(_, rule, format string, args ...any) {
		if broken == nil {
			broken = fmt.Errorf("event log sealed in %s: %s: %s: %s", file, eventsName, rule, fmt.Sprintf(format, args...))
		}
	})
	if broken != nil {
		return nil, broken
	}
	return parseEvents(file, log)
}

// ctxReader reads a sealed package's decrypted stream until ctx is done
// (Ctrl-C), then gives ctx's error: a tar entry can be a table of
// gigabytes, and a check between entries let it run to its end, the
// signal caught (cmd/regflytt) and nothing else stopping it.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// listedDigest checks b, the file rel, against its SHA-256 in the tag
// manifest (tagManifestName, "hex  path" lines).
func listedDigest(tagManifest []byte, rel string, b []byte) error {
	if tagManifest == nil {
		return fmt.Errorf("the sealed package holds no %s to check it against", tagManifestName)
	}
	for _, line := range strings.Split(string(tagManifest), "\n") {
		sum, name, ok := strings.Cut(strings.TrimSuffix(line, "\r"), "  ")
		if !ok || name != rel {
			continue
		}
		got := sha256.Sum256(b)
		if !strings.EqualFold(hex.EncodeToString(got[:]), sum) {
			return fmt.Errorf("its digest differs from %s (edited or cut)", tagManifestName)
		}
		return nil
	}
	return fmt.Errorf("%s does not list it", tagManifestName)
}
