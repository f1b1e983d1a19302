// Command emptyfiber serves an empty fiber handler with the server's fiber settings: the
// ceiling that the hub routes are compared with in the wrk benchmarks (README,
// Performance). Run: go run ./server/testdata/emptyfiber -addr :5001
package main

import (
	"flag"
	"log"
	"time"

	"github.com/gofiber/fiber/v2"
)

func main() {
	addr := flag.String("addr", ":5001", "address to listen on")
	flag.Parse()
	app := fiber.New(fiber.Config{DisableStartupMessage: true, ReadTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute})
	app.Get("/*", func(c *fiber.Ctx) error { return c.SendString("{}") })
	log.Fatal(app.Listen(*addr))
}
