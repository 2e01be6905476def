package dnsserver

import (
	"sync"

	"github.com/miekg/dns"
)

// maxCachedReplies bounds the reply cache of one zone set. When it is
// full it starts over, so names that a client invents cost memory only up
// to this bound and never push the cache past it.
const maxCachedReplies = 8192

// replyKey identifies the queries that get byte-identical replies but for
// the ID and the RD and CD bits. The name keeps the client's letter case,
// because the reply echoes it.
type replyKey struct {
	name   string
	qtype  uint16
	qclass uint16
	// limit is the largest reply the client takes, 0 without EDNS.
	limit uint16
	flags uint8
}

const (
	keyEDNS uint8 = 1 << iota
	keyDO
	keyCO
	keyTCP
)

// cachedReply is a packed reply and what the metrics need of it.
type cachedReply struct {
	packed    []byte
	rcode     int
	truncated bool
}

// replyCache holds packed replies for one zone set, which is immutable, so
// an entry is valid until the set is replaced. Safe for concurrent use.
type replyCache struct {
	mu      sync.RWMutex
	replies map[replyKey]cachedReply
}

func newReplyCache() *replyCache {
	return &replyCache{replies: map[replyKey]cachedReply{}}
}

func (c *replyCache) get(k replyKey) (cachedReply, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	e, ok := c.replies[k]
	return e, ok
}

func (c *replyCache) put(k replyKey, reply *dns.Msg) {
	packed, err := reply.Pack()
	if err != nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.replies) >= maxCachedReplies {
		clear(c.replies)
	}
	c.replies[k] = cachedReply{packed: packed, rcode: reply.Rcode, truncated: reply.Truncated}
}

// cacheKey returns the key of r's reply, or false when the reply depends on
// more than the key holds. That is the case for a TSIG signature, for EDNS
// options such as cookies and client subnets, for the GeoDNS name, whose
// answer depends on the client's address, and for an opcode or question
// count that is not plain.
func (s *Server) cacheKey(r *request, zs *zoneSet) (replyKey, bool) {
	req := r.msg
	if req.Opcode != dns.OpcodeQuery || len(req.Question) != 1 || len(req.Answer) != 0 || len(req.Ns) != 0 ||
		r.tsig != nil || r.tsigFailed || r.ednsRcode != dns.RcodeSuccess {
		return replyKey{}, false
	}
	q := req.Question[0]
	k := replyKey{name: q.Name, qtype: q.Qtype, qclass: q.Qclass}
	switch {
	case len(req.Extra) > 1, len(req.Extra) == 1 && r.opt == nil:
		return replyKey{}, false
	case r.opt != nil && len(r.opt.Option) > 0:
		return replyKey{}, false
	case zs.geoName != "" && canonicalName(q.Name) == zs.geoName:
		return replyKey{}, false
	}
	if r.opt != nil {
		k.flags |= keyEDNS
		k.limit = uint16(sizeLimit(r.opt, false))
		if r.dnssecOK() {
			k.flags |= keyDO
		}
		if r.compactOK() {
			k.flags |= keyCO
		}
	}
	if r.tcp {
		k.flags |= keyTCP
	}
	return k, true
}

// sendCached writes a cached reply with r's ID and RD and CD bits.
func (s *Server) sendCached(w dns.ResponseWriter, r *request, e cachedReply) {
	out := make([]byte, len(e.packed))
	copy(out, e.packed)
	out[0], out[1] = byte(r.msg.Id>>8), byte(r.msg.Id)
	// Byte 2 holds RD in its lowest bit and byte 3 holds CD (0x10).
	out[2] = out[2]&^0x01 | boolBit(r.msg.RecursionDesired, 0x01)
	out[3] = out[3]&^0x10 | boolBit(r.msg.CheckingDisabled, 0x10)

	s.counts.add(e.rcode)
	s.metrics.observeCached(r, e)
	if _, err := w.Write(out); err != nil {
		s.logger.Debug("dns reply not sent", "network", r.transport())
	}
}

func boolBit(b bool, bit byte) byte {
	if b {
		return bit
	}
	return 0
}
