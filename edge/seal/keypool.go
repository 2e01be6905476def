package seal

import (
	"crypto/hpke"
	"fmt"
	"sync"
	"time"
)

// KeyPool generates inbox key pairs ahead of need, in one background
// goroutine, so that creating an inbox does not wait for the key
// generation. That is about 110 µs of ML-KEM-768 and X25519 work on the
// 2-core benchmark machine, some 40% of a creation's CPU. The goroutine
// runs while the pool has room, which on a busy edge includes the gaps
// while commits wait for the disk. When the pool is empty, a creation
// generates its key itself.
//
// A key in the pool was never used and was never written anywhere. It
// meets its inbox's token when NewInboxKeyPair wraps it.
type KeyPool struct {
	keys chan hpke.PrivateKey
	stop chan struct{}
	wg   sync.WaitGroup
	once sync.Once
}

// retryDelay is the pause after a failed key generation in the pool,
// which only a broken random source causes.
const retryDelay = time.Second

// NewKeyPool starts a pool of up to size keys.
func NewKeyPool(size int) *KeyPool {
	p := &KeyPool{keys: make(chan hpke.PrivateKey, size), stop: make(chan struct{})}
	p.wg.Add(1)
	go p.fill()
	return p
}

func (p *KeyPool) fill() {
	defer p.wg.Done()
	for {
		priv, err := suiteKEM().GenerateKey()
		if err != nil {
			// Creations generate their own keys meanwhile and report the
			// error themselves.
			select {
			case <-time.After(retryDelay):
				continue
			case <-p.stop:
				return
			}
		}
		select {
		case p.keys <- priv:
		case <-p.stop:
			return
		}
	}
}

// Close stops the goroutine and drops the keys not handed out.
func (p *KeyPool) Close() {
	p.once.Do(func() { close(p.stop) })
	p.wg.Wait()
}

// take returns a key from the pool, or a new one when the pool is empty
// or nil.
func (p *KeyPool) take() (hpke.PrivateKey, error) {
	if p != nil {
		select {
		case priv := <-p.keys:
			return priv, nil
		default:
		}
	}
	priv, err := suiteKEM().GenerateKey()
	if err != nil {
		return nil, fmt.Errorf("generate inbox key pair: %w", err)
	}
	return priv, nil
}
