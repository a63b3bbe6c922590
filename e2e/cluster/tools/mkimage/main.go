// mkimage packs a directory into a single-layer image archive in the format `docker save`
// writes, which `ctr images import` reads: no registry is reachable, so the test ground's
// images are made here from binaries the machine already has or built.
//
// Usage: mkimage -root DIR -tag NAME:TAG[,NAME:TAG...] -out FILE.tar [-entrypoint '["/bin/x","arg"]'] [-env K=V]...
package main

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func main() {
	root := flag.String("root", "", "directory that becomes the image's filesystem")
	tag := flag.String("tag", "", "image name and tag; several, comma separated, name one image")
	out := flag.String("out", "", "archive to write")
	entrypoint := flag.String("entrypoint", "", "JSON list")
	workdir := flag.String("workdir", "/", "working directory")
	var env multiFlag
	flag.Var(&env, "env", "K=V, repeatable")
	flag.Parse()
	if *root == "" || *tag == "" || *out == "" {
		log.Fatal("-root, -tag and -out are required")
	}
	var ep []string
	if *entrypoint != "" {
		if err := json.Unmarshal([]byte(*entrypoint), &ep); err != nil {
			log.Fatalf("-entrypoint: %v", err)
		}
	}
	layer, err := layerTar(*root)
	if err != nil {
		log.Fatal(err)
	}
	layerSum := sha256.Sum256(layer)
	layerID := hex.EncodeToString(layerSum[:])
	config, _ := json.Marshal(map[string]any{
		"architecture": "amd64",
		"os":           "linux",
		// A fixed date keeps the image ID a function of the content alone.
		"created": time.Unix(0, 0).UTC().Format(time.RFC3339),
		"config": map[string]any{
			"Entrypoint": ep,
			"Env":        append([]string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}, env...),
			"WorkingDir": *workdir,
		},
		"rootfs": map[string]any{"type": "layers", "diff_ids": []string{"sha256:" + layerID}},
	})
	configSum := sha256.Sum256(config)
	configName := hex.EncodeToString(configSum[:]) + ".json"
	manifest, _ := json.Marshal([]map[string]any{{
		"Config": configName, "RepoTags": strings.Split(*tag, ","), "Layers": []string{layerID + "/layer.tar"},
	}})

	f, err := os.Create(*out + ".tmp")
	if err != nil {
		log.Fatal(err)
	}
	tw := tar.NewWriter(f)
	for _, e := range []struct {
		name string
		data []byte
	}{{configName, config}, {layerID + "/layer.tar", layer}, {"manifest.json", manifest}} {
		if err := tw.WriteHeader(&tar.Header{Name: e.name, Mode: 0o644, Size: int64(len(e.data)), Typeflag: tar.TypeReg}); err != nil {
			log.Fatal(err)
		}
		if _, err := tw.Write(e.data); err != nil {
			log.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
	if err := os.Rename(*out+".tmp", *out); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s: %s (%d MiB)\n", *tag, *out, len(layer)>>20)
}

// layerTar writes root as a tar owned by root:root, in a stable order.
func layerTar(root string) ([]byte, error) {
	var paths []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != root {
			paths = append(paths, p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(paths)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, p := range paths {
		fi, err := os.Lstat(p)
		if err != nil {
			return nil, err
		}
		link := ""
		if fi.Mode()&fs.ModeSymlink != 0 {
			if link, err = os.Readlink(p); err != nil {
				return nil, err
			}
		}
		h, err := tar.FileInfoHeader(fi, link)
		if err != nil {
			return nil, err
		}
		rel, _ := filepath.Rel(root, p)
		h.Name = filepath.ToSlash(rel)
		if fi.IsDir() {
			h.Name += "/"
		}
		h.Uid, h.Gid, h.Uname, h.Gname = 0, 0, "root", "root"
		h.ModTime = time.Unix(0, 0)
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if fi.Mode().IsRegular() {
			src, err := os.Open(p)
			if err != nil {
				return nil, err
			}
			_, err = io.Copy(tw, src)
			src.Close()
			if err != nil {
				return nil, err
			}
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
