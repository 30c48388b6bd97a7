package plans

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
)

// A receiving-key set larger than memory allows is spilled in sorted
// runs (see receivingKeys). A run is a temporary file: its keys' hashes
// in increasing order, each with the offset of its record's arena entry
// (runEntrySize bytes a key), then the arena as it was in memory. In
// memory a run keeps the first hash of every block of runBlock keys, so
// that a lookup reads one block.

const (
	runEntrySize = 24
	runBlock     = 128
	// maxFilterBytes bounds the Bloom filter of a set's spilled keys:
	// 10 bits a key up to about 13 million keys; beyond, the filter says
	// yes more often (and a run is read) but memory stays the same.
	maxFilterBytes = 16 << 20
)

type keyRun struct {
	f *os.File
	n int
	// textAt is where the arena starts in the file.
	textAt int64
	fences [][16]byte
}

// runEntry is a key's hash as two big-endian halves (so that comparing
// them compares the bytes) and its arena offset.
type runEntry struct {
	hi, lo, at uint64
}

// spill writes the keys in memory to a new run in dir and empties
// memory. A set still growing (reuse) keeps its map's room for the next
// keys; another gets a new map, so that a set no longer written gives
// its memory back.
func (s *keySet) spill(dir string, reuse bool) error {
	entries := make([]runEntry, 0, len(s.seen))
	for h, at := range s.seen {
		entries = append(entries, runEntry{binary.BigEndian.Uint64(h[:8]), binary.BigEndian.Uint64(h[8:]), at})
	}
	slices.SortFunc(entries, func(a, b runEntry) int {
		if c := cmp.Compare(a.hi, b.hi); c != 0 {
			return c
		}
		return cmp.Compare(a.lo, b.lo)
	})
	f, err := os.CreateTemp(dir, "keys-*.run")
	if err != nil {
		return fmt.Errorf("spill receiving keys: %w", err)
	}
	r := &keyRun{f: f, n: len(entries), textAt: int64(len(entries)) * runEntrySize}
	bw := bufio.NewWriterSize(f, 64<<10)
	var buf [runEntrySize]byte
	for i, e := range entries {
		binary.BigEndian.PutUint64(buf[:8], e.hi)
		binary.BigEndian.PutUint64(buf[8:16], e.lo)
		binary.LittleEndian.PutUint64(buf[16:], e.at)
		if i%runBlock == 0 {
			r.fences = append(r.fences, [16]byte(buf[:16]))
		}
		bw.Write(buf[:])
	}
	bw.Write(s.arena)
	if err := bw.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("spill receiving keys: %w", err)
	}
	s.runs = append(s.runs, r)
	spilled := 0
	for _, r := range s.runs {
		spilled += r.n
	}
	if s.filter == nil || !s.filter.holds(spilled) {
		// Rebuilt from the runs at twice the size: the filter's
		// memory grows with the keys spilled, by doubling.
		if s.filter, err = buildFilter(s.runs, 2*spilled); err != nil {
			return err
		}
	} else {
		for h := range s.seen {
			s.filter.add(h)
		}
	}
	if reuse {
		clear(s.seen)
		s.arena = s.arena[:0]
	} else {
		s.seen, s.arena = map[[16]byte]uint64{}, nil
	}
	return nil
}

// find gives the arena entry of the key hashed h, if the run has it.
func (r *keyRun) find(h [16]byte) ([]byte, bool, error) {
	b := sort.Search(len(r.fences), func(i int) bool { return bytes.Compare(r.fences[i][:], h[:]) > 0 }) - 1
	if b < 0 {
		return nil, false, nil
	}
	first := b * runBlock
	n := min(runBlock, r.n-first)
	block := make([]byte, n*runEntrySize)
	if _, err := r.f.ReadAt(block, int64(first)*runEntrySize); err != nil {
		return nil, false, fmt.Errorf("read a spilled run: %w", err)
	}
	i := sort.Search(n, func(i int) bool { return bytes.Compare(block[i*runEntrySize:i*runEntrySize+16], h[:]) >= 0 })
	if i == n || !bytes.Equal(block[i*runEntrySize:i*runEntrySize+16], h[:]) {
		return nil, false, nil
	}
	at := r.textAt + int64(binary.LittleEndian.Uint64(block[i*runEntrySize+16:]))
	// An entry is two uvarints (at most 10 bytes each) and the text.
	head := make([]byte, 2*binary.MaxVarintLen64)
	k, err := r.f.ReadAt(head, at)
	if err != nil && err != io.EOF {
		return nil, false, fmt.Errorf("read a spilled run: %w", err)
	}
	head = head[:k]
	_, n1 := binary.Uvarint(head)
	l, n2 := binary.Uvarint(head[max(n1, 0):])
	if n1 <= 0 || n2 <= 0 {
		return nil, false, fmt.Errorf("read a spilled run: a damaged entry")
	}
	entry := make([]byte, n1+n2+int(l))
	if _, err := r.f.ReadAt(entry, at); err != nil {
		return nil, false, fmt.Errorf("read a spilled run: %w", err)
	}
	return entry, true, nil
}

// keyFilter is a blocked Bloom filter of hashed keys: a key's probes all
// fall in one block of 512 bits (a cache line), so that asking costs one
// memory read, not seven. The keys are SHA-256 prefixes, uniform already:
// the block and the probes are taken from their bits.
type keyFilter struct {
	blocks [][8]uint64
	// capacity is how many keys it holds at 10 bits a key.
	capacity int
}

const filterProbes = 7

func newKeyFilter(capacity int) *keyFilter {
	n := (capacity*10 + 511) / 512
	n = max(1, min(n, maxFilterBytes/64))
	return &keyFilter{blocks: make([][8]uint64, n), capacity: capacity}
}

// holds says whether n keys fit at the bits a key it was made for, or
// the filter is as large as it may be.
func (f *keyFilter) holds(n int) bool {
	return n <= f.capacity || len(f.blocks)*64 >= maxFilterBytes
}

// probe gives a key's block and the bits to test in it: nine bits of
// the hash's second half a probe.
func (f *keyFilter) probe(h [16]byte) (*[8]uint64, uint64) {
	return &f.blocks[binary.LittleEndian.Uint64(h[:8])%uint64(len(f.blocks))], binary.LittleEndian.Uint64(h[8:])
}

func (f *keyFilter) add(h [16]byte) {
	b, bits := f.probe(h)
	for range filterProbes {
		p := bits & 511
		b[p/64] |= 1 << (p % 64)
		bits >>= 9
	}
}

func (f *keyFilter) has(h [16]byte) bool {
	b, bits := f.probe(h)
	for range filterProbes {
		p := bits & 511
		if b[p/64]&(1<<(p%64)) == 0 {
			return false
		}
		bits >>= 9
	}
	return true
}

// buildFilter makes a filter for capacity keys and adds every key of the
// runs, read back in order.
func buildFilter(runs []*keyRun, capacity int) (*keyFilter, error) {
	f := newKeyFilter(capacity)
	for _, r := range runs {
		br := bufio.NewReaderSize(io.NewSectionReader(r.f, 0, r.textAt), 64<<10)
		var buf [runEntrySize]byte
		var h [16]byte
		for i := 0; i < r.n; i++ {
			if _, err := io.ReadFull(br, buf[:]); err != nil {
				return nil, fmt.Errorf("read a spilled run: %w", err)
			}
			copy(h[:], buf[:16])
			f.add(h)
		}
	}
	return f, nil
}
