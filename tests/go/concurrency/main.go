// A static Go program for the runner's tests (issue 14): goroutines across OS threads, channels, a WaitGroup, a
// mutex, timers and a ticker, garbage collection under allocation, and os/exec of a static child (this program run
// again in child mode), also from several goroutines at once with stdin and stdout pipes. Its output is
// deterministic, so a native run and a run under usermem-run compare byte for byte.
package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"
)

func child() {
	fmt.Printf("child args=%s\n", strings.Join(os.Args[2:], ","))
	os.Exit(3)
}

// drain is the child of the parallel os/exec check: it answers on stdout, closes it, then reads stdin to its end.
// The parent sees end-of-file on the child's stdout only once no copy of that pipe's write end is left anywhere.
func drain() {
	fmt.Printf("drained %s\n", os.Args[2])
	os.Stdout.Close()
	io.Copy(io.Discard, os.Stdin)
	os.Exit(0)
}

// parallelExec starts children from several goroutines at once, each with a stdin and a stdout pipe, and waits for
// each stdout's end-of-file before closing that child's stdin.
func parallelExec(self string) {
	const children = 4
	lines := make([]string, children)
	var wg sync.WaitGroup
	for i := 0; i < children; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			cmd := exec.Command(self, "drain", fmt.Sprint(i))
			stdin, _ := cmd.StdinPipe()
			stdout, _ := cmd.StdoutPipe()
			if err := cmd.Start(); err != nil {
				lines[i] = "start: " + err.Error()
				return
			}
			out, _ := io.ReadAll(stdout)
			stdin.Close()
			err := cmd.Wait()
			lines[i] = fmt.Sprintf("%s wait=%v", strings.TrimSpace(string(out)), err)
		}(i)
	}
	wg.Wait()
	for _, l := range lines {
		fmt.Println(l)
	}
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "child" {
		child()
	}
	if len(os.Args) > 2 && os.Args[1] == "drain" {
		drain()
	}

	runtime.GOMAXPROCS(4)

	// Goroutines feeding one channel; the sum is order-independent.
	results := make(chan int, 16)
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			sum := 0
			for i := 0; i < 200000; i++ {
				sum += (i * w) % 7
			}
			results <- sum
		}(w)
	}
	go func() { wg.Wait(); close(results) }()
	total := 0
	for r := range results {
		total += r
	}
	fmt.Printf("sum=%d\n", total)

	// A mutex contended by many goroutines.
	var mu sync.Mutex
	counter := 0
	var wg2 sync.WaitGroup
	for g := 0; g < 16; g++ {
		wg2.Add(1)
		go func() {
			defer wg2.Done()
			for i := 0; i < 5000; i++ {
				mu.Lock()
				counter++
				mu.Unlock()
			}
		}()
	}
	wg2.Wait()
	fmt.Printf("counter=%d\n", counter)

	// Timers and a ticker.
	timer := time.NewTimer(30 * time.Second) // a safety net only
	ticker := time.NewTicker(5 * time.Millisecond)
	start := time.Now()
	ticks := 0
	for ticks < 3 {
		select {
		case <-ticker.C:
			ticks++
		case <-timer.C:
			ticks = -1000
		}
	}
	ticker.Stop()
	timer.Stop()
	fmt.Printf("ticks=%d elapsed_ok=%v\n", ticks, time.Since(start) >= 10*time.Millisecond)

	// Allocation and garbage collection across threads.
	var keep [][]byte
	for i := 0; i < 2000; i++ {
		b := make([]byte, 4096+i)
		b[0] = byte(i)
		if i%10 == 0 {
			keep = append(keep, b)
		}
	}
	runtime.GC()
	words := []string{"pear", "apple", "fig"}
	sort.Strings(words)
	fmt.Printf("kept=%d sorted=%s\n", len(keep), strings.Join(words, ","))

	// os/exec of a static child: this program again.
	self, err := os.Executable()
	if err != nil {
		fmt.Println("executable:", err)
		os.Exit(1)
	}
	out, err := exec.Command(self, "child", "a", "b").Output()
	code := -1
	if e, ok := err.(*exec.ExitError); ok {
		code = e.ExitCode()
	}
	fmt.Printf("%sexit=%d\n", out, code)

	parallelExec(self)
}
