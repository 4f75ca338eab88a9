// VA surfaces for oneVPL (docs/qsv.md "Surfaces"): the external frame allocator oneVPL calls
// for video-memory frames, plus surfaces Lightwell creates itself (uploads) or imports
// (dma-buf). A surface's mfxMemId is a Record*, and GetHDL answers a VASurfaceID* — the VA-API
// convention of the oneVPL GPU runtime ("Working with VA-API Applications").
// Ownership: the pool owns every surface it created or imported and destroys them in its
// destructor (after the session that used them is closed). Thread: the encoder's thread.
#pragma once

#include <va/va.h>
#include <vpl/mfxvideo.h>

#include <cstdint>
#include <list>
#include <string>
#include <vector>

#include "params.hpp"

namespace lightwell::encode::qsv {

class SurfacePool {
 public:
  struct Record {
    VASurfaceID id = VA_INVALID_SURFACE;  // first: GetHDL hands out its address
    VAImage image{};
    bool mapped = false;
    bool owned = true;  // false: not destroyed by the pool (none today; kept for clarity)
  };

  explicit SurfacePool(VADisplay display);
  ~SurfacePool();
  SurfacePool(const SurfacePool&) = delete;
  SurfacePool& operator=(const SurfacePool&) = delete;

  mfxFrameAllocator* allocator() noexcept { return &allocator_; }

  // A video-memory surface of `info` (NV12, P010, RGB4, BGR4) wrapped for oneVPL; nullptr and
  // `error` on failure.
  Record* create(const mfxFrameInfo& info, std::string& error);
  // Imports a dma-buf (DRM PRIME 2) as a surface; nullptr and `error` on failure.
  Record* import(const PrimeImport& prime, std::string& error);
  void destroy(Record* record);

  // CPU access for uploads (vaDeriveImage + vaMapBuffer); Y/UV or B,G,R,A and Pitch filled.
  mfxStatus lock(Record* record, mfxFrameData& data);
  mfxStatus unlock(Record* record);

 private:
  static mfxStatus alloc_cb(mfxHDL pthis, mfxFrameAllocRequest* request, mfxFrameAllocResponse* response);
  static mfxStatus lock_cb(mfxHDL pthis, mfxMemId mid, mfxFrameData* ptr);
  static mfxStatus unlock_cb(mfxHDL pthis, mfxMemId mid, mfxFrameData* ptr);
  static mfxStatus gethdl_cb(mfxHDL pthis, mfxMemId mid, mfxHDL* handle);
  static mfxStatus free_cb(mfxHDL pthis, mfxFrameAllocResponse* response);

  VADisplay display_;
  mfxFrameAllocator allocator_{};
  std::list<Record> records_;  // stable addresses
  std::list<std::vector<mfxMemId>> responses_;
};

}  // namespace lightwell::encode::qsv
