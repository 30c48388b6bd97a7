package mysql

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/regflytt/regflytt/connectors"
)

// An ENUM or SET column sorts by the number the server stores (an ENUM
// member's position in its list, a SET's bitmask), but compared with a
// text it compares as text. A keyset page ordered by such a key and
// resumed with "k > 'label'" therefore skips some rows and reads others
// twice: for enum('b','a','c') read in pages of one, 'b' comes first and
// nothing after it is greater than 'b' but 'c', so 'a' is lost. With a
// composite key the losses and repeats can even balance, leaving the row
// count right. The resume key is bound as the stored number instead, which
// the server compares as the order does.

// keyNumbers maps each label of an ENUM or SET column to the number the
// server stores for it; nil for any other column.
type keyNumbers struct {
	set     bool
	members []string          // in their list's order
	number  map[string]uint64 // ENUM: label -> position (1-based)
	// emptyMember: '' is one of the ENUM's members; a scan reads the
	// invalid value 0 a lax sql_mode stored as int64(0) (enumzero.go).
	emptyMember bool
}

// enumKeyNumbers reads the members of an ENUM or SET column from its
// COLUMN_TYPE; nil, nil for any other column.
func enumKeyNumbers(c *connectors.Column) (*keyNumbers, error) {
	base := baseType(c.SourceType)
	if base != "enum" && base != "set" {
		return nil, nil
	}
	if !strings.Contains(c.SourceType, "(") {
		// A select: source's result names the type without its members.
		return nil, fmt.Errorf("key column %s is an ENUM or SET, which sorts by its members' numbers while its labels compare as text, and the select's result does not list the members: key the select by %s+0 (the number) or CAST(%s AS CHAR) (the label, sorted as text) instead", c.Name, c.Name, c.Name)
	}
	members, err := typeMembers(c.SourceType)
	if err != nil {
		return nil, fmt.Errorf("key column %s (%s): %w", c.Name, c.SourceType, err)
	}
	k := &keyNumbers{set: base == "set", members: members}
	if !k.set {
		k.number = make(map[string]uint64, len(members))
		for i, m := range members {
			k.number[m] = uint64(i + 1)
			if m == "" {
				k.emptyMember = true
			}
		}
	}
	return k, nil
}

// literal gives the number stored for label, as the key literal. Its
// errors name the type; QueryBatch adds the column.
func (k *keyNumbers) literal(c *connectors.Column, v connectors.Value) ([]byte, error) {
	if n, ok := v.(int64); ok && n == 0 && !k.set && k.emptyMember {
		// The invalid value, read as its number beside the member ''.
		return []byte{'0'}, nil
	}
	label, ok := v.(string)
	if !ok {
		return nil, fmt.Errorf("%s: a resume key value of type %T, want its label", c.SourceType, v)
	}
	if !k.set {
		if label == "" && !k.emptyMember {
			// The invalid value a lax sql_mode stores, numbered 0.
			return []byte{'0'}, nil
		}
		if n, ok := k.number[label]; ok {
			return strconv.AppendUint(nil, n, 10), nil
		}
		return nil, fmt.Errorf("%s: a key value that is not one of its members", c.SourceType)
	}
	var bits uint64
	if label != "" {
		for _, part := range strings.Split(label, ",") {
			i := slices.Index(k.members, part)
			if i < 0 {
				return nil, fmt.Errorf("%s: a key value that is not made of its members", c.SourceType)
			}
			bits |= 1 << uint(i)
		}
	}
	return strconv.AppendUint(nil, bits, 10), nil
}

// typeMembers parses the quoted members of an enum(...) or set(...) type.
// MariaDB prints a member's quote doubled and a backslash, NUL, newline,
// carriage return and Ctrl-Z escaped with a backslash.
func typeMembers(columnType string) ([]string, error) {
	open := strings.IndexByte(columnType, '(')
	if open < 0 {
		return nil, fmt.Errorf("no member list")
	}
	s := columnType[open+1:]
	var members []string
	for {
		if s == "" || s[0] != '\'' {
			return nil, fmt.Errorf("member list not understood")
		}
		var b strings.Builder
		i := 1
		for {
			if i >= len(s) {
				return nil, fmt.Errorf("member list not understood")
			}
			ch := s[i]
			if ch == '\'' {
				if i+1 < len(s) && s[i+1] == '\'' {
					b.WriteByte('\'')
					i += 2
					continue
				}
				i++
				break
			}
			if ch == '\\' && i+1 < len(s) {
				switch s[i+1] {
				case '0':
					b.WriteByte(0)
				case 'n':
					b.WriteByte('\n')
				case 'r':
					b.WriteByte('\r')
				case 'Z':
					b.WriteByte(26)
				default:
					b.WriteByte(s[i+1])
				}
				i += 2
				continue
			}
			b.WriteByte(ch)
			i++
		}
		members = append(members, b.String())
		s = s[i:]
		switch {
		case strings.HasPrefix(s, ","):
			s = s[1:]
		case strings.HasPrefix(s, ")"):
			return members, nil
		default:
			return nil, fmt.Errorf("member list not understood")
		}
	}
}
