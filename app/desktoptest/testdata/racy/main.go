// Command racy has one data race in its package main, for the race log test of desktoptest:
// two goroutines write the same variable without synchronisation. Built with -race it reports
// the race and, under GORACE=exitcode=0, still exits with status 0.
package main

import (
	"fmt"
	"sync"
)

var counter int

func bump(wg *sync.WaitGroup) {
	defer wg.Done()
	counter++
}

func main() {
	var wg sync.WaitGroup
	wg.Add(2)
	go bump(&wg)
	go bump(&wg)
	wg.Wait()
	fmt.Println("done", counter)
}
