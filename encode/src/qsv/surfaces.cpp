// VA surfaces and the oneVPL external allocator (surfaces.hpp).
#include "surfaces.hpp"

#include <va/va_drmcommon.h>

#include <algorithm>

namespace lightwell::encode::qsv {
namespace {

struct VaFormat {
  unsigned rt_format;
  std::uint32_t fourcc;
};

// oneVPL fourcc → VA render-target format and pixel fourcc (va.h).
bool va_format(std::uint32_t mfx_fourcc, VaFormat& out) {
  switch (mfx_fourcc) {
    case MFX_FOURCC_NV12: out = {VA_RT_FORMAT_YUV420, VA_FOURCC_NV12}; return true;
    case MFX_FOURCC_P010: out = {VA_RT_FORMAT_YUV420_10, VA_FOURCC_P010}; return true;
    case MFX_FOURCC_RGB4: out = {VA_RT_FORMAT_RGB32, VA_FOURCC_ARGB}; return true;  // bytes B,G,R,A
    case MFX_FOURCC_BGR4: out = {VA_RT_FORMAT_RGB32, VA_FOURCC_ABGR}; return true;  // bytes R,G,B,A
    default: return false;
  }
}

}  // namespace

SurfacePool::SurfacePool(VADisplay display) : display_(display) {
  allocator_.pthis = this;
  allocator_.Alloc = &SurfacePool::alloc_cb;
  allocator_.Lock = &SurfacePool::lock_cb;
  allocator_.Unlock = &SurfacePool::unlock_cb;
  allocator_.GetHDL = &SurfacePool::gethdl_cb;
  allocator_.Free = &SurfacePool::free_cb;
}

SurfacePool::~SurfacePool() {
  for (auto& r : records_) {
    if (r.mapped) unlock(&r);
    if (r.owned && r.id != VA_INVALID_SURFACE) vaDestroySurfaces(display_, &r.id, 1);
  }
}

SurfacePool::Record* SurfacePool::create(const mfxFrameInfo& info, std::string& error) {
  VaFormat f{};
  if (!va_format(info.FourCC, f)) {
    error = "no VA format for oneVPL fourcc " + std::to_string(info.FourCC);
    return nullptr;
  }
  VASurfaceAttrib attrib{};
  attrib.type = VASurfaceAttribPixelFormat;
  attrib.flags = VA_SURFACE_ATTRIB_SETTABLE;
  attrib.value.type = VAGenericValueTypeInteger;
  attrib.value.value.i = static_cast<int>(f.fourcc);
  VASurfaceID id = VA_INVALID_SURFACE;
  const VAStatus st = vaCreateSurfaces(display_, f.rt_format, info.Width, info.Height, &id, 1, &attrib, 1);
  if (st != VA_STATUS_SUCCESS) {
    error = std::string("vaCreateSurfaces: ") + vaErrorStr(st);
    return nullptr;
  }
  records_.push_back(Record{id, {}, false, true});
  return &records_.back();
}

SurfacePool::Record* SurfacePool::import(const PrimeImport& prime, std::string& error) {
  // va.h: VASurfaceAttribMemoryType = VA_SURFACE_ATTRIB_MEM_TYPE_DRM_PRIME_2 and
  // VASurfaceAttribExternalBufferDescriptor pointing at a VADRMPRIMESurfaceDescriptor.
  VADRMPRIMESurfaceDescriptor descriptor = prime.descriptor;
  VASurfaceAttrib attribs[2]{};
  attribs[0].type = VASurfaceAttribMemoryType;
  attribs[0].flags = VA_SURFACE_ATTRIB_SETTABLE;
  attribs[0].value.type = VAGenericValueTypeInteger;
  attribs[0].value.value.i = VA_SURFACE_ATTRIB_MEM_TYPE_DRM_PRIME_2;
  attribs[1].type = VASurfaceAttribExternalBufferDescriptor;
  attribs[1].flags = VA_SURFACE_ATTRIB_SETTABLE;
  attribs[1].value.type = VAGenericValueTypePointer;
  attribs[1].value.value.p = &descriptor;
  VASurfaceID id = VA_INVALID_SURFACE;
  const VAStatus st =
      vaCreateSurfaces(display_, prime.rt_format, descriptor.width, descriptor.height, &id, 1, attribs, 2);
  if (st != VA_STATUS_SUCCESS) {
    error = std::string("dma-buf import (vaCreateSurfaces DRM_PRIME_2): ") + vaErrorStr(st);
    return nullptr;
  }
  records_.push_back(Record{id, {}, false, true});
  return &records_.back();
}

void SurfacePool::destroy(Record* record) {
  for (auto it = records_.begin(); it != records_.end(); ++it) {
    if (&*it != record) continue;
    if (it->mapped) unlock(record);
    if (it->owned && it->id != VA_INVALID_SURFACE) vaDestroySurfaces(display_, &it->id, 1);
    records_.erase(it);
    return;
  }
}

mfxStatus SurfacePool::lock(Record* r, mfxFrameData& data) {
  if (r == nullptr) return MFX_ERR_INVALID_HANDLE;
  if (r->mapped) return MFX_ERR_LOCK_MEMORY;
  if (vaSyncSurface(display_, r->id) != VA_STATUS_SUCCESS) return MFX_ERR_DEVICE_FAILED;
  if (vaDeriveImage(display_, r->id, &r->image) != VA_STATUS_SUCCESS) return MFX_ERR_LOCK_MEMORY;
  void* base = nullptr;
  if (vaMapBuffer(display_, r->image.buf, &base) != VA_STATUS_SUCCESS) {
    vaDestroyImage(display_, r->image.image_id);
    return MFX_ERR_LOCK_MEMORY;
  }
  r->mapped = true;
  auto* p = static_cast<mfxU8*>(base);
  data.PitchHigh = static_cast<mfxU16>(r->image.pitches[0] >> 16);
  data.PitchLow = static_cast<mfxU16>(r->image.pitches[0] & 0xFFFF);
  switch (r->image.format.fourcc) {
    case VA_FOURCC_NV12:
    case VA_FOURCC_P010:
      data.Y = p + r->image.offsets[0];
      data.UV = p + r->image.offsets[1];
      break;
    case VA_FOURCC_ARGB:  // memory B,G,R,A
      data.B = p + r->image.offsets[0];
      data.G = data.B + 1;
      data.R = data.B + 2;
      data.A = data.B + 3;
      break;
    case VA_FOURCC_ABGR:  // memory R,G,B,A
      data.R = p + r->image.offsets[0];
      data.G = data.R + 1;
      data.B = data.R + 2;
      data.A = data.R + 3;
      break;
    default:
      unlock(r);
      return MFX_ERR_LOCK_MEMORY;
  }
  return MFX_ERR_NONE;
}

mfxStatus SurfacePool::unlock(Record* r) {
  if (r == nullptr || !r->mapped) return MFX_ERR_NONE;
  vaUnmapBuffer(display_, r->image.buf);
  vaDestroyImage(display_, r->image.image_id);
  r->mapped = false;
  return MFX_ERR_NONE;
}

mfxStatus SurfacePool::alloc_cb(mfxHDL pthis, mfxFrameAllocRequest* request, mfxFrameAllocResponse* response) {
  auto* self = static_cast<SurfacePool*>(pthis);
  if (request == nullptr || response == nullptr) return MFX_ERR_NULL_PTR;
  // Video memory only: system-memory and bitstream (P8) requests are the runtime's own business.
  if ((request->Type & (MFX_MEMTYPE_VIDEO_MEMORY_DECODER_TARGET | MFX_MEMTYPE_VIDEO_MEMORY_PROCESSOR_TARGET)) == 0) {
    return MFX_ERR_UNSUPPORTED;
  }
  std::vector<mfxMemId> mids;
  const mfxU16 count = std::max<mfxU16>(request->NumFrameSuggested, request->NumFrameMin);
  for (mfxU16 i = 0; i < count; ++i) {
    std::string error;
    Record* r = self->create(request->Info, error);
    if (r == nullptr) {
      for (mfxMemId m : mids) self->destroy(static_cast<Record*>(m));
      return MFX_ERR_MEMORY_ALLOC;
    }
    mids.push_back(r);
  }
  self->responses_.push_back(std::move(mids));
  response->mids = self->responses_.back().data();
  response->NumFrameActual = count;
  return MFX_ERR_NONE;
}

mfxStatus SurfacePool::lock_cb(mfxHDL pthis, mfxMemId mid, mfxFrameData* ptr) {
  if (ptr == nullptr) return MFX_ERR_NULL_PTR;
  return static_cast<SurfacePool*>(pthis)->lock(static_cast<Record*>(mid), *ptr);
}

mfxStatus SurfacePool::unlock_cb(mfxHDL pthis, mfxMemId mid, mfxFrameData* ptr) {
  if (ptr != nullptr) {
    ptr->Y = ptr->UV = nullptr;
    ptr->R = ptr->G = ptr->B = ptr->A = nullptr;
  }
  return static_cast<SurfacePool*>(pthis)->unlock(static_cast<Record*>(mid));
}

mfxStatus SurfacePool::gethdl_cb(mfxHDL, mfxMemId mid, mfxHDL* handle) {
  if (mid == nullptr || handle == nullptr) return MFX_ERR_INVALID_HANDLE;
  *handle = &static_cast<Record*>(mid)->id;
  return MFX_ERR_NONE;
}

mfxStatus SurfacePool::free_cb(mfxHDL pthis, mfxFrameAllocResponse* response) {
  auto* self = static_cast<SurfacePool*>(pthis);
  if (response == nullptr) return MFX_ERR_NULL_PTR;
  for (auto it = self->responses_.begin(); it != self->responses_.end(); ++it) {
    if (it->data() != response->mids) continue;
    for (mfxMemId m : *it) self->destroy(static_cast<Record*>(m));
    self->responses_.erase(it);
    break;
  }
  response->mids = nullptr;
  response->NumFrameActual = 0;
  return MFX_ERR_NONE;
}

}  // namespace lightwell::encode::qsv
