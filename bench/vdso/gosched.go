package main

import (
	"fmt"
	"runtime"
	"time"
)

func main() {
	start := time.Now()
	n := 0
	for time.Since(start) < 0 || n < 300000 {
		runtime.Gosched()
		n++
	}
	var x int64
	for i := 0; i < 300000; i++ {
		x += time.Now().UnixNano() & 1
	}
	fmt.Println(n, x >= 0)
}
