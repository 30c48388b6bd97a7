package connectors

import "sync"

// HeldLocks is the registry of the session locks a connector holds in this
// process, by name, each with what its LockChecker asks (the connection
// the lock lives on): a session lock is lost with its session, so the
// check must go to that session and no other. The zero value is ready.
type HeldLocks[L comparable] struct {
	mu sync.Mutex
	m  map[string]L
}

// Get gives the lock held under name (the zero L when none is).
func (h *HeldLocks[L]) Get(name string) L {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.m[name]
}

// Set records l as the lock held under name.
func (h *HeldLocks[L]) Set(name string, l L) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.m == nil {
		h.m = map[string]L{}
	}
	h.m[name] = l
}

// Drop forgets l, unless a newer lock of the name replaced it.
func (h *HeldLocks[L]) Drop(name string, l L) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.m[name] == l {
		delete(h.m, name)
	}
}
