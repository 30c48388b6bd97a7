package lexical

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/regflytt/regflytt/connectors"
)

// TrimSpace is strings.TrimSpace that also strips U+FEFF, the byte order
// mark that text exported from Windows tools carries at its start and that
// a legacy column then keeps. (U+00A0 NO-BREAK SPACE is already white
// space to unicode.IsSpace, as are U+0085 and U+202F.) Invalid UTF-8 at
// either end is kept, not guessed at.
func TrimSpace(s string) string {
	t, _ := trimSpace(s)
	return t
}

// trimSpace is TrimSpace that also gives the offset of the result in s, so
// that parse errors can name a byte offset in the caller's value.
func trimSpace(s string) (string, int) {
	// Fast path: most values have no padding at all.
	if len(s) == 0 || !mayTrim(s[0]) && !mayTrim(s[len(s)-1]) {
		return s, 0
	}
	t := strings.TrimLeftFunc(s, isTrimSpace)
	off := len(s) - len(t)
	return strings.TrimRightFunc(t, isTrimSpace), off
}

// mayTrim reports whether b may begin or end a white-space rune.
func mayTrim(b byte) bool {
	return b >= utf8.RuneSelf || b == ' ' || b >= '\t' && b <= '\r'
}

func isTrimSpace(r rune) bool { return r == '\ufeff' || unicode.IsSpace(r) }

// win1252 is connectors' table of Windows-1252's bytes 0x80..0x9F (the
// others are their own code points; the five it leaves undefined map to
// the C1 controls of the same number, as MariaDB's "latin1", which is
// Windows-1252, does). One table serves the connectors that build legacy
// platforms and the functions that decode and repair text here.
var win1252 = func() (t [32]rune) {
	for i := range t {
		t[i] = connectors.Windows1252Rune(byte(0x80 + i))
	}
	return t
}()

// DecodeWindows1252 decodes b as Windows-1252, MariaDB's "latin1". Every
// byte sequence decodes; the result is valid UTF-8.
func DecodeWindows1252(b []byte) string {
	return decodeSingleByte(b, true)
}

// DecodeLatin1 decodes b as ISO 8859-1, where each byte is the code point
// of the same number (0x80..0x9F become C1 controls). Use it for sources
// that really are ISO 8859-1, such as PostgreSQL's LATIN1 encoding; a
// MariaDB "latin1" column needs DecodeWindows1252.
func DecodeLatin1(b []byte) string {
	return decodeSingleByte(b, false)
}

func decodeSingleByte(b []byte, cp1252 bool) string {
	n := 0 // bytes of UTF-8 output
	for _, c := range b {
		switch {
		case c < 0x80:
			n++
		case cp1252 && c < 0xA0:
			n += utf8.RuneLen(win1252[c-0x80])
		default:
			n += 2
		}
	}
	if n == len(b) {
		return string(b) // all ASCII: one copy, nothing to decode
	}
	var sb strings.Builder
	sb.Grow(n)
	for _, c := range b {
		switch {
		case c < 0x80:
			sb.WriteByte(c)
		case cp1252 && c < 0xA0:
			sb.WriteRune(win1252[c-0x80])
		default:
			sb.WriteRune(rune(c))
		}
	}
	return sb.String()
}

// singleByte gives the byte a rune came from if it was decoded from one
// byte as Windows-1252 or as ISO 8859-1: code points up to U+00FF are
// their own byte (ISO 8859-1, and the C1 controls MariaDB gives for
// Windows-1252's undefined bytes), and the 27 Windows-1252 extras map
// back to 0x80..0x9F. Accepting both readings at once repairs text that
// passed through either kind of decoder, and costs nothing: the two never
// disagree on a rune.
func singleByte(r rune) (byte, bool) {
	if r < 0x100 {
		return byte(r), true
	}
	for i, w := range win1252 {
		if w == r {
			return byte(0x80 + i), true
		}
	}
	return 0, false
}

// RepairMojibake undoes one round of the most common text damage in
// legacy registries: UTF-8 bytes read as Windows-1252 or ISO 8859-1 and
// stored again as UTF-8, so that "å" became "Ã¥", "Ö" became "Ã–" and "€"
// became "â‚¬".
//
// It repairs only when the whole reverse transform succeeds: every rune of
// s maps back to one byte (see DecodeWindows1252), those bytes are valid
// UTF-8, and every character they decode to is one real text holds where
// it stands (see plausible): not a C1 control (U+0080..U+009F, which a
// wrong repair makes: "Â…" would become U+0085) unless the result is
// itself repairable, being the middle of a double garbling; not a Hebrew
// or Armenian mark or letter between Latin letters. Otherwise s is
// returned unchanged with changed false; RepairText says, beyond that,
// when s is partly garbled and repairs every round.
//
// Correct Swedish text survives because Å, Ä, Ö, å, ä and ö are, as
// bytes, UTF-8 lead bytes that must be followed by bytes 0x80..0xBF,
// which in Windows-1252 are symbols and a few foreign letters, never ASCII
// and never a Swedish letter: "Åsa Öberg" and "smörgås" do not reverse to
// valid UTF-8. Where they do ("MALMÖ–LUND": D6 96 is U+0596, a Hebrew
// accent) the character they give is not one a Latin word holds; where a
// capital Å, Ä or É before a dash, an ellipsis, a closing quote or a
// no-break space gives a letter of Latin Extended ("UMEÅ–SUNDSVALL",
// "UMEŖSUNDSVALL"), the text around says whether it is the end of a word
// in capitals or a garbled letter inside one (see readsAsWritten). What
// can still be misread is correct text whose every non-ASCII character
// pairs up into a Latin letter inside a word ("Ã…" or "PÅ’S" meant
// literally); registry text practically never has that shape, and
// nothing in the text tells it from garbled text.
//
// Text that is not valid UTF-8 is returned unchanged. Nothing is
// allocated unless s has a sequence that reverses to UTF-8.
func RepairMojibake(s string) (out string, changed bool) {
	out, v := repairRound(s)
	return out, v == repaired
}

// RepairText undoes every round of the damage RepairMojibake undoes one
// round of: text garbled twice or three times (a value that passed
// through two misconfigured migrations) comes back as the holder wrote
// it, not as the middle state. Text with nothing to repair is returned
// as it is. Text that holds a garbled sequence beside text that is not
// garbled, or a garbled character cut short (a VARCHAR limit that cut
// the two characters of "Ã¥" after the first), is an error of
// KindMixedEncoding: which text was meant, the text does not say.
// C1 controls left (U+0080..U+009F, which real text never holds) are the
// Windows-1252 characters of their byte, read as ISO 8859-1: "€" for
// U+0080, "–" for U+0096, as a Windows application that wrote them to a
// PostgreSQL LATIN1 database showed them; the five bytes Windows-1252
// leaves undefined stay as they are. Invalid UTF-8 is returned
// unchanged.
func RepairText(s string) (string, error) {
	out, _, err := RepairTextSteps(s)
	return out, err
}

// Repair says what RepairTextSteps did to a value, for a caller that
// counts it (regflytt scan tells the registry holder what repair() will
// do before any mapping is written): Rounds of garbling undone, and
// whether C1 controls became Windows-1252 characters. AsWritten says that
// the text it gave holds a capital letter and punctuation it read as
// written (see readsAsWritten) where nothing else in the text says so:
// read as garbled, the whole value would have been repaired
// ("UMEÅ–SUNDSVALL" into "UMEŖSUNDSVALL"). The text is what it was; a
// person may want to look at it.
type Repair struct {
	Rounds    int
	Controls  bool
	AsWritten bool
}

// Changed reports whether the repaired text differs from the text read.
func (r Repair) Changed() bool { return r.Rounds > 0 || r.Controls }

// RepairTextSteps is RepairText that also says what it did; it is the
// one implementation of both.
func RepairTextSteps(s string) (string, Repair, error) {
	var r Repair
	for {
		out, v := repairRound(s)
		switch v {
		case unrepaired, keptAsWritten:
			r.AsWritten = v == keptAsWritten
			out = windows1252Controls(s)
			r.Controls = out != s
			return out, r, nil
		case mixed:
			return "", r, &Error{Kind: KindMixedEncoding, Reason: reasonMixedText, Offset: -1}
		case bothWays:
			return "", r, &Error{Kind: KindMixedEncoding, Reason: reasonBothWays, Offset: -1}
		}
		r.Rounds++
		s = out
	}
}

// windows1252Controls gives s with each C1 control that is a Windows-1252
// character's byte replaced by that character.
func windows1252Controls(s string) string {
	if strings.IndexFunc(s, isC1) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if isC1(r) {
			return win1252[r-0x80]
		}
		return r
	}, s)
}

func isC1(r rune) bool { return r >= 0x80 && r < 0xA0 }

// asWindows1252 gives the Windows-1252 character of a C1 control's byte,
// and any other rune as it is.
func asWindows1252(r rune) rune {
	if isC1(r) {
		return win1252[r-0x80]
	}
	return r
}

// DecodeUTF8OrWindows1252 decodes bytes that are UTF-8 or Windows-1252
// (MariaDB's latin1), as a legacy column holding both encodings has them:
// bytes that are UTF-8 are read as UTF-8 and bytes with no UTF-8 sequence
// in them as Windows-1252. UTF-8 sequences that decode to characters no
// text holds where they stand are not UTF-8 (the Windows-1252 bytes of
// "MALMÖ–LUND", D6 96, are the UTF-8 of a Hebrew accent). Bytes that hold
// UTF-8 sequences beside bytes that are not UTF-8 (UTF-8 and Latin-1 in
// one value, or UTF-8 cut in the middle of a character by a byte limit)
// are an error of KindMixedEncoding.
func DecodeUTF8OrWindows1252(b []byte) (string, error) {
	s := string(b)
	good, _, _ := walkUnits(s, true, false, nil)
	if good == 0 {
		return DecodeWindows1252(b), nil
	}
	_, bad, pieces := walkUnits(s, true, true, make([]piece, 0, len(s)))
	ok, wrong, _ := judge(pieces, false)
	switch {
	case ok == 0 && bad == 0 && readsBothWays(pieces):
		// Every byte is UTF-8, and nothing else says which was meant.
		return "", &Error{Kind: KindMixedEncoding, Reason: reasonBothWays, Offset: -1}
	case ok == 0:
		return DecodeWindows1252(b), nil
	case bad > 0 || wrong > 0:
		return "", &Error{Kind: KindMixedEncoding, Reason: reasonMixedBytes, Offset: -1}
	}
	return s, nil
}

// verdict is what one round of repair finds.
type verdict int

const (
	unrepaired verdict = iota // nothing garbled: the text stays
	repaired                  // garbled as a whole: the repair is the text
	mixed                     // garbled in part: nothing says which was meant
	// keptAsWritten is unrepaired text that only readsAsWritten keeps:
	// every other sequence in it would have been repaired.
	keptAsWritten
	// bothWays is text that reads as written and as garbled alike
	// (readsBothWays): nothing says which was meant.
	bothWays
)

// repairRound undoes one round of garbling (see RepairMojibake), and says
// whether s was garbled as a whole, in part or not at all.
func repairRound(s string) (string, verdict) {
	// Most text is ASCII or correct text with no sequence that reverses
	// to UTF-8: find that without allocating.
	if !utf8.ValidString(s) {
		return s, unrepaired
	}
	if good, _, _ := walkUnits(s, false, false, nil); good == 0 {
		return s, unrepaired
	}
	_, bad, pieces := walkUnits(s, false, true, make([]piece, 0, len(s)))
	ok, wrong, c1 := judge(pieces, true)
	if c1 {
		// A C1 control is the middle of a double garbling only if the
		// text it is part of repairs again; otherwise it was made by
		// this repair and the sequence is no UTF-8 of real text.
		out := build(pieces)
		if _, again := repairRound(out); again != repaired {
			ok, wrong, _ = judge(pieces, false)
		}
	}
	switch {
	case ok == 0 && bad == 0 && wrong == countAsWritten(pieces):
		if readsBothWays(pieces) {
			return s, bothWays
		}
		return s, keptAsWritten
	case ok == 0:
		return s, unrepaired
	case bad > 0 || wrong > 0:
		return s, mixed
	}
	return build(pieces), repaired
}

// countAsWritten counts the sequences of pieces readsAsWritten keeps.
func countAsWritten(pieces []piece) int {
	n := 0
	for i, p := range pieces {
		if p.repaired && readsAsWritten(pieces, i) {
			n++
		}
	}
	return n
}

// piece is one character of text as a repair reads it: a character a
// garbled sequence decodes to (repaired), or one kept as it stood. first
// and last are the units it was read from as they stand in the text (for
// a kept character, itself), so that a repair can ask what the text said
// before it (see readsAsWritten).
type piece struct {
	r           rune
	first, last rune
	repaired    bool
}

func build(pieces []piece) string {
	n := 0
	for _, p := range pieces {
		n += utf8.RuneLen(p.r)
	}
	var sb strings.Builder
	sb.Grow(n)
	for _, p := range pieces {
		sb.WriteRune(p.r)
	}
	return sb.String()
}

// walkUnits reads s as the single bytes it is made of (bytes, or in text
// the runes that come from one byte each) and counts the UTF-8 sequences
// of more than one byte they form (good) and the non-ASCII units that are
// part of none (bad: a lone lead byte, a sequence cut short, a rune from
// no single byte). With collect it also appends to pieces what each
// stands for: a sequence's character, or a unit as it reads (its
// Windows-1252 character, or the rune itself). s must be valid UTF-8
// unless bytes is set.
func walkUnits(s string, bytes, collect bool, pieces []piece) (good, bad int, out []piece) {
	w := walker{collect: collect, pieces: pieces}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if w.want != 0 {
				w.cutShort()
			}
			w.keep(rune(c), false, rune(c), rune(c))
			i++
			continue
		}
		var (
			b    = c
			asIs rune
			size = 1
			one  = true
		)
		if bytes {
			asIs = win1252Rune(c)
		} else {
			asIs, size = utf8.DecodeRuneInString(s[i:])
			b, one = singleByte(asIs)
		}
		if !one {
			if w.want != 0 {
				w.cutShort()
			}
			w.bad++
			w.keep(asIs, false, asIs, asIs)
			i += size
			continue
		}
		if w.want == 0 {
			switch {
			case b >= 0xC2 && b <= 0xDF:
				w.want = 2
			case b >= 0xE0 && b <= 0xEF:
				w.want = 3
			case b >= 0xF0 && b <= 0xF4:
				w.want = 4
			default:
				w.bad++
				w.keep(asIs, false, asIs, asIs)
				i += size
				continue
			}
			w.seq[0], w.pend[0], w.have = b, asIs, 1
			i += size
			continue
		}
		if b&0xC0 != 0x80 {
			// Not a continuation: the sequence before it was cut
			// short, and this unit may begin the next one.
			w.cutShort()
			continue
		}
		w.seq[w.have], w.pend[w.have] = b, asIs
		w.have++
		i += size
		if w.have == w.want {
			// utf8.Valid catches what the lead-byte table does not:
			// overlong forms, surrogates, and code points past U+10FFFF.
			if !utf8.Valid(w.seq[:w.have]) {
				w.cutShort()
				continue
			}
			r, _ := utf8.DecodeRune(w.seq[:w.have])
			w.good++
			w.keep(r, true, w.pend[0], w.pend[w.have-1])
			w.have, w.want = 0, 0
		}
	}
	if w.want != 0 {
		w.cutShort()
	}
	return w.good, w.bad, w.pieces
}

// walker is walkUnits' state.
type walker struct {
	seq       [utf8.UTFMax]byte // the sequence being assembled
	pend      [utf8.UTFMax]rune // its units as they read
	have      int               // units of seq so far
	want      int               // length the lead byte announced
	good, bad int
	collect   bool
	pieces    []piece
}

func (w *walker) keep(r rune, repaired bool, first, last rune) {
	if w.collect {
		w.pieces = append(w.pieces, piece{r: r, first: first, last: last, repaired: repaired})
	}
}

// cutShort gives up the sequence being assembled: its units are bad.
func (w *walker) cutShort() {
	for k := range w.have {
		w.bad++
		w.keep(w.pend[k], false, w.pend[k], w.pend[k])
	}
	w.have, w.want = 0, 0
}

func win1252Rune(c byte) rune {
	if c >= 0x80 && c < 0xA0 {
		return win1252[c-0x80]
	}
	return rune(c)
}

// judge counts the repaired characters that real text holds where they
// stand (ok) and those it does not (wrong), and says whether an ok one is
// a C1 control, which it is only when c1 allows.
func judge(pieces []piece, c1 bool) (ok, wrong int, hasC1 bool) {
	for i, p := range pieces {
		if !p.repaired {
			continue
		}
		if p.r < 0xA0 {
			if c1 {
				ok++
				hasC1 = true
			} else {
				wrong++
			}
			continue
		}
		if plausible(pieces, i) {
			ok++
		} else {
			wrong++
		}
	}
	return ok, wrong, hasC1
}

// twoByteScripts are the scripts, beyond Latin and Greek, whose letters
// UTF-8 writes in two bytes: read as Windows-1252, an upper-case Latin-1
// letter (Ð..ß, Ö among them) and a symbol. A correct "Ö–" or "Ö…"
// reverses to a Hebrew accent or an Armenian letter, so a character of
// these scripts is taken for repaired text only where a word of its
// script could hold it. Greek is not among them: its letters stand beside
// Latin ones in units and words (μg, kΩ, β-blockerare), and its lead
// bytes are Î and Ï, which Swedish text does not follow with a symbol.
var twoByteScripts = []*unicode.RangeTable{
	unicode.Cyrillic, unicode.Armenian, unicode.Hebrew,
	unicode.Arabic, unicode.Syriac, unicode.Thaana, unicode.Nko,
}

func scriptOf(r rune) *unicode.RangeTable {
	if r < 0x370 || r > 0x7FF {
		return nil
	}
	for _, t := range twoByteScripts {
		if unicode.Is(t, r) {
			return t
		}
	}
	return blockScript(r)
}

// farScript reports whether r is a character UTF-8 writes in three or
// four bytes of a script other than Latin, Greek and the ones every
// script shares (Common, Inherited): Han, Hangul, Devanagari, Thai….
func farScript(r rune) bool {
	return r > 0x7FF && !unicode.In(r, unicode.Latin, unicode.Greek, unicode.Common, unicode.Inherited)
}

// blockScript gives the script of the block r stands in, for the blocks
// from Hebrew to NKo, whose every character belongs to their script's
// text: Unicode gives some of the Arabic block's no script of their own
// (the comma, semicolon and question mark, the tatweel, the number mark
// U+0605 and end of ayah U+06DD are Common; the harakat U+064B..U+0655
// and U+0670 Inherited), and so they were taken for repaired text after
// a Latin letter ("BØ…", D8 85, for U+0605; "OÙ’", D9 92, for a sukun).
func blockScript(r rune) *unicode.RangeTable {
	switch {
	case r >= 0x590 && r <= 0x5FF:
		return unicode.Hebrew
	case r >= 0x600 && r <= 0x6FF, r >= 0x750 && r <= 0x77F:
		return unicode.Arabic
	case r >= 0x700 && r <= 0x74F:
		return unicode.Syriac
	case r >= 0x780 && r <= 0x7BF:
		return unicode.Thaana
	case r >= 0x7C0 && r <= 0x7FF:
		return unicode.Nko
	}
	return nil
}

// inScript reports whether r is of the script t, or stands in a block of
// it (blockScript).
func inScript(t *unicode.RangeTable, r rune) bool {
	return unicode.Is(t, r) || blockScript(r) == t
}

// plausible reports whether the repaired character pieces[i] is one real
// text holds there, and the text it came from reads as no correct text
// (see readsAsWritten): an assigned character that is no control, private
// use or noncharacter; a combining mark only after a letter (of its own
// script, if it has one); a letter of a script of twoByteScripts not
// beside a letter of another script (no Hebrew point or Armenian letter
// in "MALMÖ"), and, beyond Cyrillic, which also stands alone (a name's
// initial), beside one of its own.
func plausible(pieces []piece, i int) bool {
	if readsAsWritten(pieces, i) {
		return false
	}
	r := pieces[i].r
	if !unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.P, unicode.S, unicode.Z, unicode.Cf) ||
		r >= 0xFDD0 && r <= 0xFDEF || r&0xFFFE == 0xFFFE {
		return false
	}
	script := scriptOf(r)
	if unicode.In(r, unicode.Mn, unicode.Me, unicode.Mc) {
		// The letter it marks, past the marks stacked on it before
		// (a shadda and a fatha, a macron and an acute).
		j := i - 1
		for j >= 0 && unicode.In(pieces[j].r, unicode.Mn, unicode.Me, unicode.Mc) {
			j--
		}
		if j < 0 || !unicode.IsLetter(pieces[j].r) {
			return false
		}
		if farScript(r) {
			return farScript(pieces[j].r)
		}
		return script == nil || inScript(script, pieces[j].r)
	}
	if farScript(r) {
		// Three and four bytes: a lower-case å, ä or é is a lead byte,
		// and two symbols after it ("på", a no-break space and an en
		// dash) reverse to a Han or Hangul character. Such a letter
		// stands alone or beside its own, digits and spaces, never
		// beside a Latin letter in one word.
		for _, j := range []int{i - 1, i + 1} {
			if j >= 0 && j < len(pieces) && unicode.Is(unicode.Latin, pieces[j].r) {
				return false
			}
		}
		return true
	}
	if script == nil {
		return true
	}
	own := script == unicode.Cyrillic
	for _, j := range []int{i - 1, i + 1} {
		if j < 0 || j >= len(pieces) {
			continue
		}
		q := pieces[j].r
		switch {
		case inScript(script, q):
			own = true
		case unicode.IsLetter(q) && !unicode.Is(unicode.Common, q):
			return false
		}
	}
	return own
}

// readsAsWritten reports whether the text the sequence pieces[i] was read
// from reads as correct text: a capital letter ending a word and the
// punctuation after it. A capital Ä, Å, Æ, Ç, È, É, Ê, Ë, Ì or Í is, as a
// byte, a UTF-8 lead of Latin Extended and IPA letters and combining
// marks, and the dashes, ellipsis, closing quotes and no-break space of
// Windows-1252 are continuation bytes: a correct "UMEÅ–SUNDSVALL" reverses
// to "UMEŖSUNDSVALL", "LULEÅ…" to "LULEŅ", "KNÄ–HÖFT" half to "KNĖ", and
// every such letter is one a Latvian, Lithuanian or Polish name holds.
// What tells them apart is the text around the sequence, read as it
// stands: a garbled letter is part of a word ("DÄ…browski", "JurgaitytÄ—",
// "Å imon", "Å»UKOWSKI"), while the capital letter and punctuation of
// correct text stand after no lower-case letter and before no word going
// on in lower case; a closing mark (… ’ ” ») is followed by no letter
// at all, and a no-break space by a capital only after a word ("UMEÅ
// SJUKHUS", which a garbled Š inside a name in capitals also is: see
// readsBothWays, which refuses it). Ã and Â are not among the letters: their sequences are the
// classic garbling of Swedish letters and of Latin-1 symbols ("GÃ–TEBORG",
// "Â°"), which this reading would keep garbled. Where both readings fit
// (a garbled capital Ė ending a Lithuanian name in capitals,
// "KAZLAUSKIENÄ–", is a Swedish "KNÄ–" in shape), the text is taken as
// written: a repair changes text only when the text says it is garbled.
func readsAsWritten(pieces []piece, i int) bool {
	p := pieces[i]
	if p.first < 0xC4 || p.first > 0xCD {
		return false
	}
	// A C1 control is the Windows-1252 character of its byte read as
	// ISO 8859-1 (U+0096 is the en dash), as RepairText reads it.
	before, after := rune(-1), rune(-1) // -1: the edge of the value
	if i > 0 {
		before = asWindows1252(pieces[i-1].last)
	}
	if i+1 < len(pieces) {
		after = asWindows1252(pieces[i+1].first)
	}
	if unicode.IsLower(before) {
		return false
	}
	switch asWindows1252(p.last) {
	case '–', '—', '\u00ad': // dashes and a soft hyphen join words
		return !unicode.IsLower(after)
	case '\u00a0':
		return !unicode.IsLetter(after) || unicode.IsLetter(before) && unicode.IsUpper(after)
	case '…', '’', '”', '»':
		return !unicode.IsLetter(after)
	}
	return false
}

// readsBothWays reports whether a sequence of pieces is a capital Å, Ä,
// É… and a no-break space inside a word in capitals: correct text with a
// no-break space between two words ("UMEÅ<NBSP>SJUKHUS") and a garbled
// capital Š inside a name ("DUŠAN" is "DUÅ<NBSP>AN": C5 A0 read as
// Windows-1252) are the same text, and Š is a letter of many names in a
// Swedish registry (Bosnian, Croatian, Serbian, Czech). Either reading
// changes the other's text under PASS, so neither is taken when nothing
// else in the value says which (a caller asks only then): the value is
// ambiguous. At a word's start ("Å<NBSP>IMON") the no-break space stands
// after no letter and is read as garbled; at its end ("UMEÅ<NBSP>", before
// no letter) as written (readsAsWritten).
func readsBothWays(pieces []piece) bool {
	for i, p := range pieces {
		if !p.repaired || p.first < 0xC4 || p.first > 0xCD || asWindows1252(p.last) != '\u00a0' || i == 0 || i+1 == len(pieces) {
			continue
		}
		before, after := asWindows1252(pieces[i-1].last), asWindows1252(pieces[i+1].first)
		if unicode.IsLetter(before) && !unicode.IsLower(before) && unicode.IsUpper(after) {
			return true
		}
	}
	return false
}

// InvalidUTF8Offset gives the byte offset of the first byte of s that is
// not part of valid UTF-8, or -1 if s is valid. An error can then say
// where a value is damaged without printing it.
func InvalidUTF8Offset(s string) int {
	if utf8.ValidString(s) {
		return -1
	}
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return -1 // unreachable: ValidString said otherwise
}
