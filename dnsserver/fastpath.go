package dnsserver

import (
	"encoding/binary"
	"net"
	"strings"

	"github.com/miekg/dns"
)

// The UDP fast path answers the most common query, a plain question with
// at most an option-less OPT record, from the reply cache without
// unpacking it into a dns.Msg. Anything else, and every cache miss, takes
// the full path through ServeDNS, which fills the cache.

const (
	headerSize = 12
	optRRSize  = 11 // root name, type, class, TTL, empty RDATA
)

// plainQuery is the part of a query packet that the fast path reads.
type plainQuery struct {
	key      replyKey
	qtype    uint16
	question []byte // the question section, as the client wrote it
	edns     bool
	do       bool
}

// parsePlainQuery reads a query with one question whose name has only
// letters, digits, hyphens and underscores, and no other records but an
// OPT record of version 0 without options. It returns false for anything
// else, and the caller takes the full path.
func parsePlainQuery(packet []byte) (plainQuery, bool) {
	if len(packet) < headerSize+5 || packet[2]&0xf8 != 0 || // QR set or an opcode other than QUERY
		binary.BigEndian.Uint16(packet[4:]) != 1 || binary.BigEndian.Uint16(packet[6:]) != 0 ||
		binary.BigEndian.Uint16(packet[8:]) != 0 || binary.BigEndian.Uint16(packet[10:]) > 1 {
		return plainQuery{}, false
	}
	name, end, ok := plainName(packet, headerSize)
	if !ok || end+4 > len(packet) {
		return plainQuery{}, false
	}
	q := plainQuery{
		key: replyKey{
			name:   name,
			qtype:  binary.BigEndian.Uint16(packet[end:]),
			qclass: binary.BigEndian.Uint16(packet[end+2:]),
		},
		question: packet[headerSize : end+4],
	}
	q.qtype = q.key.qtype
	rest := packet[end+4:]

	switch {
	case binary.BigEndian.Uint16(packet[10:]) == 0 && len(rest) == 0:
		return q, true
	case len(rest) != optRRSize || rest[0] != 0 || binary.BigEndian.Uint16(rest[1:]) != dns.TypeOPT ||
		rest[5] != 0 || rest[6] != 0 || binary.BigEndian.Uint16(rest[9:]) != 0:
		// Not a bare OPT record of version 0 with no extended rcode.
		return plainQuery{}, false
	}
	flags := binary.BigEndian.Uint16(rest[7:])
	q.edns, q.do = true, flags&0x8000 != 0
	q.key.flags = keyEDNS
	if q.do {
		q.key.flags |= keyDO
	}
	if flags&ednsFlagCO != 0 {
		q.key.flags |= keyCO
	}
	size := binary.BigEndian.Uint16(rest[3:])
	q.key.limit = uint16(min(max(int(size), dns.MinMsgSize), maxUDPSize))
	return q, true
}

// plainName reads an uncompressed domain name at off in the form the dns
// library unpacks it to, such as "Mayfly.test.", and returns the offset
// after it. Names with other characters, which the library would escape,
// are left to the full path.
func plainName(packet []byte, off int) (string, int, bool) {
	var b strings.Builder
	for {
		if off >= len(packet) {
			return "", 0, false
		}
		n := int(packet[off])
		off++
		if n == 0 {
			break
		}
		if n > 63 || off+n > len(packet) || b.Len()+n+1 > 254 {
			return "", 0, false
		}
		for _, c := range packet[off : off+n] {
			if !isPlainLabelByte(c) {
				return "", 0, false
			}
		}
		b.Write(packet[off : off+n])
		b.WriteByte('.')
		off += n
	}
	if b.Len() == 0 {
		return "", 0, false
	}
	return b.String(), off, true
}

func isPlainLabelByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
}

// answerFast returns the reply to packet from the cache, or false when the
// full path must answer it. A reply the rate limit drops is returned as
// nil with true.
func (s *Server) answerFast(packet []byte, remote net.Addr, buf []byte) ([]byte, bool) {
	q, ok := parsePlainQuery(packet)
	if !ok {
		return nil, false
	}
	zones := s.zones.get()
	if zones.geoName != "" && strings.EqualFold(q.key.name, zones.geoName) {
		return nil, false
	}
	e, ok := zones.replies.get(q.key)
	if !ok {
		return nil, false
	}

	if s.rrl != nil {
		switch s.rrl.decide(addrOf(remote)) {
		case rrlDrop:
			s.metrics.rrl("drop")
			return nil, true
		case rrlSlip:
			s.metrics.rrl("slip")
			return s.fastSlip(packet, q, e, buf), true
		}
	}

	out := append(buf[:0], e.packed...)
	copyQueryBits(out, packet)
	s.counts.add(e.rcode)
	s.metrics.countType(q.qtype, e.rcode, e.truncated, "udp")
	return out, true
}

// copyQueryBits gives a cached reply the query's ID and RD and CD bits.
func copyQueryBits(out, query []byte) {
	out[0], out[1] = query[0], query[1]
	out[2] = out[2]&^0x01 | query[2]&0x01
	out[3] = out[3]&^0x10 | query[3]&0x10
}

// fastSlip builds the empty truncated reply of a slipped query: the cached
// reply's header with TC set and no records, the question, and an OPT
// record when the query had one.
func (s *Server) fastSlip(packet []byte, q plainQuery, e cachedReply, buf []byte) []byte {
	out := append(buf[:0], e.packed[:headerSize]...)
	copyQueryBits(out, packet)
	out[2] |= 0x02 // TC
	binary.BigEndian.PutUint16(out[4:], 1)
	binary.BigEndian.PutUint16(out[6:], 0)
	binary.BigEndian.PutUint16(out[8:], 0)
	binary.BigEndian.PutUint16(out[10:], 0)
	out = append(out, q.question...)
	if q.edns {
		binary.BigEndian.PutUint16(out[10:], 1)
		var flags byte
		if q.do {
			flags = 0x80
		}
		out = append(out, 0, 0, byte(dns.TypeOPT), byte(maxUDPSize>>8), byte(maxUDPSize&0xff), 0, 0, flags, 0, 0, 0)
	}
	s.counts.add(e.rcode)
	s.metrics.countType(q.qtype, e.rcode, true, "udp")
	return out
}
