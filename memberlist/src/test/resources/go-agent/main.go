// A hashicorp/memberlist agent for Ingot's interop tests and bench, built offline against Debian's
// golang-github-hashicorp-memberlist-dev (GOPATH mode). It prints every membership event as a JSON line:
//   {"event":"join","node":"a","addr":"127.0.0.1:7946","state":0,"ts":1700000000000}
// SIGTERM or SIGINT: Leave(1s), Shutdown, exit 0. SIGKILL: dies without a word, as a crashed speaker.
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io/ioutil"
	"log"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/hashicorp/memberlist"
)

var out sync.Mutex

func emit(event string, n *memberlist.Node) {
	out.Lock()
	defer out.Unlock()
	b, _ := json.Marshal(map[string]interface{}{
		"event": event, "node": n.Name, "addr": fmt.Sprintf("%s:%d", n.Addr, n.Port),
		"state": int(n.State), "meta": string(n.Meta), "ts": time.Now().UnixNano() / 1e6,
	})
	fmt.Println(string(b))
}

type events struct{}

func (events) NotifyJoin(n *memberlist.Node)   { emit("join", n) }
func (events) NotifyLeave(n *memberlist.Node)  { emit("leave", n) }
func (events) NotifyUpdate(n *memberlist.Node) { emit("update", n) }

type meta struct{ m []byte }

func (d meta) NodeMeta(limit int) []byte                  { return d.m }
func (d meta) NotifyMsg([]byte)                           {}
func (d meta) GetBroadcasts(overhead, limit int) [][]byte { return nil }
func (d meta) LocalState(join bool) []byte                { return nil }
func (d meta) MergeRemoteState(buf []byte, join bool)     {}

func main() {
	name := flag.String("name", "", "node name")
	bind := flag.String("bind", "127.0.0.1", "bind address")
	port := flag.Int("port", 7946, "bind port")
	join := flag.String("join", "", "comma-separated addresses to join")
	keyHex := flag.String("key", "", "AES key in hex")
	secret := flag.String("metallb-secret", "", "MetalLB memberlist secret (key derived as MetalLB does)")
	secretLen := flag.Int("metallb-key-len", 32, "16 (MetalLB <= 0.13) or 32 (>= 0.14)")
	proto := flag.Int("proto", 2, "protocol version")
	compress := flag.Bool("compress", true, "EnableCompression")
	nodeMeta := flag.String("meta", "", "node metadata")
	verbose := flag.Bool("v", false, "memberlist's own log on stderr")
	flag.Parse()

	c := memberlist.DefaultLANConfig()
	c.Name = *name
	c.BindAddr = *bind
	c.BindPort = *port
	c.AdvertiseAddr = *bind
	c.AdvertisePort = *port
	c.ProtocolVersion = uint8(*proto)
	c.EnableCompression = *compress
	c.Events = events{}
	if *nodeMeta != "" {
		c.Delegate = meta{[]byte(*nodeMeta)}
	}
	if !*verbose {
		c.LogOutput = ioutil.Discard
	}
	if *keyHex != "" {
		k, err := hex.DecodeString(*keyHex)
		if err != nil {
			log.Fatalf("bad key: %v", err)
		}
		c.SecretKey = k
	} else if *secret != "" {
		c.SecretKey = sha256.New().Sum([]byte(*secret))[:*secretLen]
	}
	ml, err := memberlist.Create(c)
	if err != nil {
		log.Fatalf("create: %v", err)
	}
	if *join != "" {
		if _, err := ml.Join(strings.Split(*join, ",")); err != nil {
			fmt.Fprintf(os.Stderr, "join failed: %v\n", err)
			os.Exit(3)
		}
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	<-sig
	ml.Leave(time.Second)
	ml.Shutdown()
}
