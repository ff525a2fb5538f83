package flight

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"golang.org/x/sync/singleflight"
)

func TestOneLoadServesEveryCaller(t *testing.T) {
	var (
		g       singleflight.Group
		loads   atomic.Int32
		release = make(chan struct{})
		started = make(chan struct{})
	)
	load := func(ctx context.Context) (int, error) {
		if loads.Add(1) == 1 {
			close(started)
		}
		<-release
		return 7, ctx.Err()
	}
	first, cancelFirst := context.WithCancel(context.Background())
	gaveUp := make(chan error)
	go func() { _, err := Do(first, &g, "k", load); gaveUp <- err }()
	<-started
	second := make(chan int)
	go func() {
		v, err := Do(context.Background(), &g, "k", load)
		if err != nil {
			t.Error(err)
		}
		second <- v
	}()
	cancelFirst() // the first caller gives up: it returns, the load goes on for the second
	if err := <-gaveUp; !errors.Is(err, context.Canceled) {
		t.Fatalf("first caller: %v, want context.Canceled", err)
	}
	close(release)
	if v := <-second; v != 7 {
		t.Fatalf("second caller got %d, want 7", v)
	}
	if n := loads.Load(); n != 1 {
		t.Fatalf("%d loads, want 1", n)
	}
}

func TestLoadErrorReachesTheCaller(t *testing.T) {
	var g singleflight.Group
	want := errors.New("MOR down")
	if _, err := Do(context.Background(), &g, "k", func(context.Context) (string, error) { return "", want }); !errors.Is(err, want) {
		t.Fatalf("got %v, want %v", err, want)
	}
}
