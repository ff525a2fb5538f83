package flight

import (
	"context"
	"errors"
	"testing"

	"golang.org/x/sync/singleflight"
)

// A caller giving up returns at once, and the load it started goes on undisturbed for
// whoever else waits on it (its context is not the caller's).
func TestCallerGivingUpLeavesTheLoadAlone(t *testing.T) {
	var (
		g       singleflight.Group
		release = make(chan struct{})
		started = make(chan struct{})
		loadErr = make(chan error, 1)
	)
	caller, giveUp := context.WithCancel(context.Background())
	gaveUp := make(chan error)
	go func() {
		_, err := Do(caller, &g, "k", func(ctx context.Context) (int, error) {
			close(started)
			<-release
			loadErr <- ctx.Err()
			return 7, nil
		})
		gaveUp <- err
	}()
	<-started
	giveUp()
	if err := <-gaveUp; !errors.Is(err, context.Canceled) {
		t.Fatalf("caller: %v, want context.Canceled", err)
	}
	close(release)
	if err := <-loadErr; err != nil {
		t.Fatalf("the load's context ended with its caller: %v", err)
	}
}

func TestLoadErrorReachesTheCaller(t *testing.T) {
	var g singleflight.Group
	want := errors.New("MOR down")
	if _, err := Do(context.Background(), &g, "k", func(context.Context) (string, error) { return "", want }); !errors.Is(err, want) {
		t.Fatalf("got %v, want %v", err, want)
	}
}
