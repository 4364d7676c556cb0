// Frames from and to capture files.
//
// Reading goes through libpcap, so classic pcap (either byte order, micro- or nanosecond) and pcapng
// are both accepted. Only Ethernet captures (link type DLT_EN10MB) are: anything else is an error
// naming the file and its link type. Every problem is a returned Error (no exceptions): a missing or
// unreadable file, an empty file, a bad header, a truncated or corrupt record. Errors name the file
// and, for records, the 1-based record number and libpcap's description of what is wrong.
//
// Degraded records, counted rather than failed (PcapStats):
//   - snapped: captured length < original length (capture taken with a snap length). The frame is
//     used with the captured bytes only; the reader does not print anything, the caller warns
//     (`conductor sim` prints one line with the count and the first record number).
//   - empty: captured length 0. Skipped, since an AXI-Stream frame has at least one byte.
//
// Writing produces classic pcap, little-endian, microsecond timestamps, link type Ethernet. Frames
// carry no timestamp, so record i gets start_us + i * interval_us. The security-group id is not
// stored (classic pcap has no field for it); the reader gives every frame the sg_id it is asked for.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "host/common/status.hpp"
#include "host/traffic/frame.hpp"

struct pcap;  // libpcap's pcap_t, kept out of this header

namespace conductor {

struct PcapStats {
  uint64_t records = 0;               // records read so far (including skipped ones)
  uint64_t frames = 0;                // frames returned
  uint64_t snapped = 0;               // records with captured length < original length
  uint64_t first_snapped_record = 0;  // 1-based; 0 when none
  uint64_t empty_skipped = 0;         // records with no captured bytes, skipped
};

class PcapReader {
 public:
  // Opens the file and checks its header and link type. Every frame read gets `sg_id`.
  static Expected<PcapReader> open(const std::string& path, uint8_t sg_id = 0);

  // Reads the next frame into `out` (its buffer is reused). true: a frame; false: end of file;
  // an Error: the record is truncated or corrupt (reading further is not meaningful).
  Expected<bool> next(Frame& out);

  const PcapStats& stats() const { return stats_; }
  const std::string& path() const { return path_; }

  PcapReader(PcapReader&&) noexcept = default;
  PcapReader& operator=(PcapReader&&) noexcept = default;
  ~PcapReader() = default;

 private:
  struct Closer {
    void operator()(pcap* p) const;
  };
  PcapReader(std::string path, std::unique_ptr<pcap, Closer> handle, uint8_t sg_id);

  std::string path_;
  std::unique_ptr<pcap, Closer> handle_;
  uint8_t sg_id_ = 0;
  PcapStats stats_;
};

// Every frame of a file, or the first error. `stats`, when given, receives the reader's counters.
Expected<std::vector<Frame>> read_pcap(const std::string& path, uint8_t sg_id = 0, PcapStats* stats = nullptr);

struct PcapWriteOptions {
  uint64_t start_us = 1'767'225'600'000'000;  // 2026-01-01T00:00:00Z: files are reproducible
  uint32_t interval_us = 1;                   // between consecutive records
  uint32_t snaplen = 262'144;                 // longer frames are written snapped (orig_len kept)
};

class PcapWriter {
 public:
  // Creates (truncates) the file and writes the global header.
  static Expected<PcapWriter> create(const std::string& path, const PcapWriteOptions& options = {});

  Status write(const Frame& frame);  // timestamp start + index * interval
  Status write(const Frame& frame, uint64_t timestamp_us);
  // Flushes and closes; reports a failed flush. The destructor closes silently.
  Status close();

  uint64_t records() const { return records_; }

  PcapWriter(PcapWriter&&) noexcept = default;
  PcapWriter& operator=(PcapWriter&&) noexcept = default;
  ~PcapWriter() = default;

 private:
  struct Closer {
    void operator()(std::FILE* f) const;
  };
  PcapWriter(std::string path, std::unique_ptr<std::FILE, Closer> file, PcapWriteOptions options);

  std::string path_;
  std::unique_ptr<std::FILE, Closer> file_;
  PcapWriteOptions options_;
  uint64_t records_ = 0;
};

Status write_pcap(const std::string& path, const std::vector<Frame>& frames, const PcapWriteOptions& options = {});

}  // namespace conductor
