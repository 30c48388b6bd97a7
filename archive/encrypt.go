package archive

import (
	"archive/tar"
	"bufio"
	"context"
	"crypto/sha512"
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

// SealFiles are the files Encrypt writes for out: the ciphertext, its
// checksum beside it, and the ciphertext while it is written. A process
// killed as it sealed leaves some of them.
func SealFiles(out string) []string {
	return []string{out, out + ".sha512", out + ".tmp"}
}

// Encrypt serialises a package (a tar of the bag, files in sorted order)
// and encrypts it with age to the recipients, into out (mode 0600,
// complete or absent). It returns the SHA-512 of the ciphertext and
// writes it beside out as out.sha512 ("hash  name", as sha512sum checks
// it), so the encrypted package's fixity can be checked without a key.
// The package is verified first: only an intact package is sealed.
func Encrypt(dir, out string, recipients ...age.Recipient) (string, error) {
	return EncryptContext(context.Background(), dir, out, recipients...)
}

// EncryptContext is Encrypt stopped by ctx (a second Ctrl-C): a package
// of gigabytes took minutes to seal, every one of them after the signal.
// Stopped, it writes neither out nor its checksum, removes what it had
// written of the ciphertext, leaves the package in dir as it was, and
// gives ctx's error.
func EncryptContext(ctx context.Context, dir, out string, recipients ...age.Recipient) (string, error) {
	if len(recipients) == 0 {
		return "", errors.New("encrypt: no recipients")
	}
	// Both files are new: an earlier ciphertext or checksum is not
	// replaced.
	sealed := SealFiles(out)
	for _, p := range sealed[:2] {
		if err := CheckNew(p); err != nil {
			return "", fmt.Errorf("encrypt: %w", err)
		}
	}
	if _, err := OpenVerified(dir); err != nil {
		return "", fmt.Errorf("encrypt: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("encrypt: %w", err)
	}
	var files []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil || rel == "." {
			return err
		}
		files = append(files, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("encrypt: %w", err)
	}
	tmp := sealed[2]
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o600)
	if err != nil {
		return "", fmt.Errorf("encrypt: %w", err)
	}
	defer os.Remove(tmp)
	h := sha512.New()
	bw := bufio.NewWriterSize(io.MultiWriter(f, h), 256<<10)
	enc, err := age.Encrypt(bw, recipients...)
	if err != nil {
		f.Close()
		return "", fmt.Errorf("encrypt: %w", err)
	}
	tw := tar.NewWriter(enc)
	for _, rel := range files {
		if err := addToTar(ctx, tw, dir, rel); err != nil {
			f.Close()
			return "", fmt.Errorf("encrypt: %w", err)
		}
	}
	for _, c := range []io.Closer{tw, enc} {
		if err := c.Close(); err != nil {
			f.Close()
			return "", fmt.Errorf("encrypt: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return "", fmt.Errorf("encrypt: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return "", fmt.Errorf("encrypt: %w", err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("encrypt: %w", err)
	}
	// The last moment to stop: after it the sealed package is named as
	// complete.
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("encrypt: %w", err)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if err := writeFileAtomic(out+".sha512", []byte(sum+"  "+filepath.Base(out)+"\n")); err != nil {
		return "", fmt.Errorf("encrypt: %w", err)
	}
	if err := os.Chmod(out+".sha512", 0o600); err != nil {
		return "", fmt.Errorf("encrypt: %w", err)
	}
	if err := NewName(tmp, out); err != nil {
		os.Remove(out + ".sha512")
		return "", fmt.Errorf("encrypt: %w", err)
	}
	return sum, nil
}

func addToTar(ctx context.Context, tw *tar.Writer, dir, rel string) error {
	p := filepath.Join(dir, filepath.FromSlash(rel))
	st, err := os.Lstat(p)
	if err != nil {
		return err
	}
	if st.IsDir() {
		return tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: rel + "/", Mode: 0o700, ModTime: st.ModTime()})
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file", rel)
	}
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: rel, Mode: 0o600, Size: st.Size(), ModTime: st.ModTime()}); err != nil {
		return err
	}
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	// A table's file can be gigabytes: ctx is heeded within it.
	_, err = io.Copy(tw, ctxReader{ctx: ctx, r: f})
	return err
}

// afterClearCopy, when set (by tests), is called once a clear copy of a
// sealed package is written whole, before anything else is done with it:
// a test stops the process there (SIGKILL) to see what a crash leaves.
var afterClearCopy func(dir string)

// ErrWrongKey says none of the given identities opens an encrypted
// package.
var ErrWrongKey = errors.New("none of the given keys opens this package (it was encrypted to other recipients)")

// Decrypt opens an encrypted package into dir, which must not exist, and
// verifies it. Files are written 0600, folders 0700. A wrong key is
// ErrWrongKey; a damaged ciphertext an error naming the file. ctx stops
// it (Ctrl-C): dir is removed and ctx's error given.
func Decrypt(ctx context.Context, in, dir string, identities ...age.Identity) (*Package, error) {
	if _, err := os.Stat(dir); err == nil {
		return nil, fmt.Errorf("decrypt: %s exists: choose a new folder", dir)
	}
	if _, err := unseal(ctx, in, dir, identities, nil); err != nil {
		return nil, err
	}
	p, err := OpenVerified(dir)
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("decrypt %s: %w", in, err)
	}
	return p, nil
}

// openAge begins decrypting the age ciphertext src with the identities:
// none of them opening it is ErrWrongKey.
func openAge(src io.Reader, identities []age.Identity) (io.Reader, error) {
	r, err := age.Decrypt(src, identities...)
	var nomatch *age.NoIdentityMatchError
	if errors.As(err, &nomatch) {
		return nil, ErrWrongKey
	}
	return r, err
}

// unseal decrypts the sealed package in into dir (created, 0700; files
// 0600), removing dir on any error, ctx's among them. It reads in to its
// end and gives the SHA-512 of the ciphertext (hex). It does not verify
// the package. before, when not nil, is called once the key is known to
// open it and before dir is made or a clear byte written (the access is
// logged there); its error stops it, nothing written.
func unseal(ctx context.Context, in, dir string, identities []age.Identity, before func() error) (string, error) {
	f, err := os.Open(in)
	if err != nil {
		return "", fmt.Errorf("decrypt: %w", err)
	}
	defer f.Close()
	h := sha512.New()
	br := bufio.NewReaderSize(io.TeeReader(f, h), 256<<10)
	r, err := openAge(br, identities)
	if err != nil {
		return "", fmt.Errorf("decrypt %s: %w", in, err)
	}
	if before != nil {
		if err := before(); err != nil {
			return "", fmt.Errorf("decrypt %s: %w", in, err)
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("decrypt: %w", err)
	}
	fail := func(err error) (string, error) {
		os.RemoveAll(dir)
		return "", fmt.Errorf("decrypt %s: %w", in, err)
	}
	tr := tar.NewReader(ctxReader{ctx, r})
	for {
		if err := ctx.Err(); err != nil {
			return fail(err)
		}
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fail(err)
		}
		name := path.Clean(hdr.Name)
		if path.IsAbs(name) || name == ".." || strings.HasPrefix(name, "../") {
			return fail(fmt.Errorf("an entry outside the package"))
		}
		target := filepath.Join(dir, filepath.FromSlash(name))
		switch hdr.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(target, 0o700); err != nil {
				return fail(err)
			}
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(target), 0o700); err != nil {
				return fail(err)
			}
			out, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o600)
			if err != nil {
				return fail(err)
			}
			_, err = io.Copy(out, tr)
			if cerr := out.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return fail(err)
			}
		default:
			return fail(fmt.Errorf("entry %s is neither file nor folder", name))
		}
	}
	// The rest of the payload (tar's padding) and the ciphertext's end:
	// age checks the last chunk's tag there, and the checksum is of all.
	if _, err := io.Copy(io.Discard, r); err != nil {
		return fail(err)
	}
	if _, err := io.Copy(io.Discard, br); err != nil {
		return fail(err)
	}
	if afterClearCopy != nil {
		afterClearCopy(dir)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
