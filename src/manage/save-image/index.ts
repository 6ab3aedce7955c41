/**
 * The save image (`virsh save` / `restore` / `save-image-dumpxml` /
 * `save-image-define`): one file holding a VM's domain XML, machine state
 * and touched memory. Pure: bytes in, bytes out, in the control worker or
 * in Node. Layout: container.ts and ARCHITECTURE.md "Save image format".
 */
export { SAVE_IMAGE_FLAG, SAVE_IMAGE_MAGIC, SAVE_IMAGE_VERSION } from './container';
export type { SavedPage } from './page-codec';
export {
  readSaveImage,
  readSaveImageHeader,
  savedPages,
  type SaveImage,
  type SaveImageExpect,
  type SaveImageHeader,
} from './read';
export { SaveImageError, type SaveImageErrorReason } from './save-image-error';
export { defineSaveImageXml, writeSaveImage, type SaveImageInput } from './write';
export { XML_MAX_BYTES } from './xml-section';
