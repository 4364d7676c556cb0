#include "host/traffic/pcap_io.hpp"

#include <pcap/pcap.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

namespace conductor {
namespace {

Error os_error(const std::string& path, const char* what, int err) {
  return make_error(err == ENOENT ? Errc::kNotFound : Errc::kIo, path + ": " + what + ": " + std::strerror(err));
}

void put_le32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
void put_le16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v);
  p[1] = static_cast<uint8_t>(v >> 8);
}

}  // namespace

// ---- reading ------------------------------------------------------------------------------------

void PcapReader::Closer::operator()(pcap* p) const {
  if (p != nullptr) pcap_close(p);
}

PcapReader::PcapReader(std::string path, std::unique_ptr<pcap, Closer> handle, uint8_t sg_id)
    : path_(std::move(path)), handle_(std::move(handle)), sg_id_(sg_id) {}

Expected<PcapReader> PcapReader::open(const std::string& path, uint8_t sg_id) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (!fs::exists(st)) {
    return make_error(Errc::kNotFound, path + ": cannot open: no such file");
  }
  if (fs::is_directory(st)) {
    return make_error(Errc::kIo, path + ": cannot open: is a directory");
  }
  if (fs::is_regular_file(st) && fs::file_size(path, ec) == 0 && !ec) {
    return make_error(Errc::kCorrupt, path + ": empty file (no pcap or pcapng header)");
  }
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return os_error(path, "cannot open", errno);

  char errbuf[PCAP_ERRBUF_SIZE] = {};
  pcap_t* raw = pcap_fopen_offline(f, errbuf);
  if (raw == nullptr) {
    std::fclose(f);  // pcap_fopen_offline leaves the FILE to us when it fails
    return make_error(Errc::kCorrupt, path + ": not a readable pcap or pcapng file: " + std::string(errbuf));
  }
  std::unique_ptr<pcap, Closer> handle(raw);  // owns f from here on

  const int dlt = pcap_datalink(raw);
  if (dlt != DLT_EN10MB) {
    const char* name = pcap_datalink_val_to_name(dlt);
    const char* desc = pcap_datalink_val_to_description(dlt);
    std::string what = "link type " + std::to_string(dlt);
    if (name != nullptr) what += std::string(" (") + name + (desc ? std::string(", ") + desc : "") + ")";
    return make_error(Errc::kUnsupported,
                      path + ": " + what + " is not Ethernet; only DLT_EN10MB (1) captures are supported");
  }
  return PcapReader(path, std::move(handle), sg_id);
}

Expected<bool> PcapReader::next(Frame& out) {
  for (;;) {
    pcap_pkthdr* hdr = nullptr;
    const u_char* data = nullptr;
    const int rc = pcap_next_ex(handle_.get(), &hdr, &data);
    const uint64_t record = stats_.records + 1;
    if (rc == PCAP_ERROR_BREAK) return false;  // end of file
    if (rc != 1) {
      return make_error(Errc::kCorrupt, path_ + ": record " + std::to_string(record) + ": " +
                                            (rc == PCAP_ERROR ? pcap_geterr(handle_.get())
                                                              : "unexpected libpcap result " + std::to_string(rc)));
    }
    stats_.records = record;
    if (hdr->caplen == 0) {
      ++stats_.empty_skipped;
      continue;
    }
    if (hdr->caplen < hdr->len) {
      if (stats_.snapped++ == 0) stats_.first_snapped_record = record;
    }
    out.bytes.assign(data, data + hdr->caplen);
    out.sg_id = sg_id_;
    ++stats_.frames;
    return true;
  }
}

Expected<std::vector<Frame>> read_pcap(const std::string& path, uint8_t sg_id, PcapStats* stats) {
  auto reader = PcapReader::open(path, sg_id);
  if (!reader) return reader.error();
  std::vector<Frame> frames;
  for (;;) {
    Frame f;
    auto more = reader->next(f);
    if (!more) {
      if (stats) *stats = reader->stats();
      return more.error();
    }
    if (!*more) break;
    frames.push_back(std::move(f));
  }
  if (stats) *stats = reader->stats();
  return frames;
}

// ---- writing ------------------------------------------------------------------------------------

void PcapWriter::Closer::operator()(std::FILE* f) const {
  if (f != nullptr) std::fclose(f);
}

PcapWriter::PcapWriter(std::string path, std::unique_ptr<std::FILE, Closer> file, PcapWriteOptions options)
    : path_(std::move(path)), file_(std::move(file)), options_(options) {}

Expected<PcapWriter> PcapWriter::create(const std::string& path, const PcapWriteOptions& options) {
  if (options.snaplen == 0) {
    return make_error(Errc::kInvalidArgument, path + ": snap length 0");
  }
  std::unique_ptr<std::FILE, Closer> file(std::fopen(path.c_str(), "wb"));
  if (!file) return os_error(path, "cannot create", errno);
  uint8_t header[24];
  put_le32(header + 0, 0xA1B2C3D4u);  // microsecond timestamps
  put_le16(header + 4, 2);            // version 2.4
  put_le16(header + 6, 4);
  put_le32(header + 8, 0);   // thiszone
  put_le32(header + 12, 0);  // sigfigs
  put_le32(header + 16, options.snaplen);
  put_le32(header + 20, 1);  // LINKTYPE_ETHERNET
  if (std::fwrite(header, 1, sizeof header, file.get()) != sizeof header) {
    return os_error(path, "cannot write the pcap header", errno);
  }
  return PcapWriter(path, std::move(file), options);
}

Status PcapWriter::write(const Frame& frame) {
  return write(frame, options_.start_us + records_ * uint64_t{options_.interval_us});
}

Status PcapWriter::write(const Frame& frame, uint64_t timestamp_us) {
  if (!file_) return make_error(Errc::kInvalidArgument, path_ + ": write after close");
  const uint64_t len = frame.bytes.size();
  if (len > UINT32_MAX) {
    return make_error(Errc::kInvalidArgument, path_ + ": frame of " + std::to_string(len) + " bytes");
  }
  const uint32_t caplen = static_cast<uint32_t>(std::min<uint64_t>(len, options_.snaplen));
  uint8_t rec[16];
  put_le32(rec + 0, static_cast<uint32_t>(timestamp_us / 1'000'000));
  put_le32(rec + 4, static_cast<uint32_t>(timestamp_us % 1'000'000));
  put_le32(rec + 8, caplen);
  put_le32(rec + 12, static_cast<uint32_t>(len));
  if (std::fwrite(rec, 1, sizeof rec, file_.get()) != sizeof rec ||
      std::fwrite(frame.bytes.data(), 1, caplen, file_.get()) != caplen) {
    return os_error(path_, ("cannot write record " + std::to_string(records_ + 1)).c_str(), errno);
  }
  ++records_;
  return {};
}

Status PcapWriter::close() {
  if (!file_) return {};
  std::FILE* f = file_.release();
  const bool flushed = std::fflush(f) == 0;
  const int err = errno;
  const bool closed = std::fclose(f) == 0;
  if (!flushed || !closed) return os_error(path_, "cannot finish writing", flushed ? errno : err);
  return {};
}

Status write_pcap(const std::string& path, const std::vector<Frame>& frames, const PcapWriteOptions& options) {
  auto writer = PcapWriter::create(path, options);
  if (!writer) return writer.error();
  for (const Frame& f : frames) {
    if (auto s = writer->write(f); !s) return s;
  }
  return writer->close();
}

}  // namespace conductor
