package edge

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/mayfly-mail/mayfly/controlplane/state"
)

// remoteDeliveryTimeout bounds one forwarded message from the first byte
// to the owner's reply. It is above the 10 minutes that a sender waits
// for the reply to the end of DATA (RFC 5321 §4.5.3.2), because the
// transfer from the sender to this edge counts as well.
const remoteDeliveryTimeout = 15 * time.Minute

// errDeliveryAborted ends the body of a forwarded message whose SMTP
// transfer failed, so that the owner discards it.
var errDeliveryAborted = errors.New("delivery aborted")

// remotePart streams one message to the edge that owns some of its
// recipients, in one POST whose body is fed through a pipe while the SMTP
// data arrives. Only the delivery that created it calls its methods, from
// one goroutine.
type remotePart struct {
	owner  state.Edge
	pipe   *io.PipeWriter
	cancel context.CancelFunc
	// stopped is set once the owner no longer reads the body: it replied
	// early or the request failed. The outcome is then in stored and err.
	stopped bool

	done   chan struct{}
	stored int
	err    error
}

// beginRemote starts the POST of one message to owner. The envelope line
// goes first, write sends the message and finish ends it.
func (c *ownerClient) beginRemote(ctx context.Context, owner state.Edge, env deliveryEnvelope) (*remotePart, error) {
	line, err := json.Marshal(env)
	if err != nil {
		return nil, fmt.Errorf("encode delivery envelope: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, remoteDeliveryTimeout)
	pr, pw := io.Pipe()
	req, err := c.newRequest(ctx, owner, deliveryPath, nil)
	if err != nil {
		cancel()
		return nil, err
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	req.ContentLength = -1
	req.Trailer = http.Header{messageSizeTrailer: nil}
	req.Body = &deliveryBody{envelope: bytes.NewReader(append(line, '\n')), message: pr, req: req}

	part := &remotePart{owner: owner, pipe: pw, cancel: cancel, done: make(chan struct{})}
	go part.run(c.http, req, pr)
	return part, nil
}

// run sends the request and records the owner's reply.
func (p *remotePart) run(hc *http.Client, req *http.Request, pr *io.PipeReader) {
	defer close(p.done)
	resp, err := hc.Do(req)
	// Whatever happened, the owner reads no more of the body: unblock the
	// writer.
	defer pr.CloseWithError(errors.New("owner stopped reading"))
	if err != nil {
		p.err = unavailable(p.owner, err)
		return
	}
	defer resp.Body.Close()

	var reply deliveryReply
	err = decodeOwnerReply(resp, &reply)
	var statusErr *ownerStatusError
	switch {
	case errors.As(err, &statusErr) && statusErr.Code == codeNoInbox:
		// Every recipient at this owner expired during the transfer.
	case err != nil:
		p.err = fmt.Errorf("%w: edge %s: deliver: %w", ErrOwnerUnavailable, p.owner.ID, err)
	default:
		p.stored = reply.Stored
	}
}

// write passes p on to the owner. A failure is not returned: it stops the
// part, and finish reports the owner's outcome.
func (p *remotePart) write(b []byte) {
	if p.stopped {
		return
	}
	if _, err := p.pipe.Write(b); err != nil {
		p.stopped = true
	}
}

// finish ends the body and waits for the owner's reply until ctx is done.
// It returns how many copies the owner made durable.
func (p *remotePart) finish(ctx context.Context) (int, error) {
	defer p.cancel()
	_ = p.pipe.Close()
	select {
	case <-p.done:
		return p.stored, p.err
	case <-ctx.Done():
		p.cancel()
		<-p.done
		return 0, fmt.Errorf("%w: edge %s: deliver: %w", ErrOwnerUnavailable, p.owner.ID, ctx.Err())
	}
}

// abort breaks the body off, so that the owner discards the message, and
// waits for the request to end.
func (p *remotePart) abort() {
	_ = p.pipe.CloseWithError(errDeliveryAborted)
	p.cancel()
	<-p.done
}

// deliveryBody is the body of a forwarded message: the envelope line,
// then the message from the pipe. It counts the message bytes and sets the
// size trailer when they end.
type deliveryBody struct {
	envelope *bytes.Reader
	message  *io.PipeReader
	req      *http.Request
	size     int64
}

// Read is called by the HTTP transport only. The trailer is set before
// EOF is returned, as net/http requires of a request's Trailer.
func (b *deliveryBody) Read(p []byte) (int, error) {
	if b.envelope.Len() > 0 {
		return b.envelope.Read(p)
	}
	n, err := b.message.Read(p)
	b.size += int64(n)
	if err == io.EOF {
		b.req.Trailer.Set(messageSizeTrailer, strconv.FormatInt(b.size, 10))
	}
	return n, err
}

// Close stops a writer still feeding the pipe.
func (b *deliveryBody) Close() error {
	return b.message.CloseWithError(errors.New("request body closed"))
}
