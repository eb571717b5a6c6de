/**
 * Image outputs made to fit an LLM: downscaled (and SVG rasterized) in the
 * browser with a canvas.
 */

import type { IImageBlock } from '../core/outputs';

/**
 * Downscale a PNG or JPEG so that its longer side is at most `maxSide`
 * pixels, and rasterize SVG to PNG. Images already small enough are
 * returned unchanged. Failures leave the image as it was (SVG becomes a
 * note, since clients cannot show SVG as an image).
 */
export async function fitImage(
  block: IImageBlock,
  maxSide: number
): Promise<IImageBlock | { type: 'text'; text: string }> {
  const isSvg = block.mimeType === 'image/svg+xml';
  const source = isSvg
    ? `data:image/svg+xml;charset=utf-8,${encodeURIComponent(block.data)}`
    : `data:${block.mimeType};base64,${block.data}`;
  try {
    const image = await Private.load(source);
    const width = image.naturalWidth || image.width;
    const height = image.naturalHeight || image.height;
    if (!width || !height) {
      throw new Error('image has no size');
    }
    const scale = Math.min(1, maxSide / Math.max(width, height));
    if (scale === 1 && !isSvg) {
      return block;
    }
    const canvas = document.createElement('canvas');
    canvas.width = Math.max(1, Math.round(width * scale));
    canvas.height = Math.max(1, Math.round(height * scale));
    const context = canvas.getContext('2d');
    if (!context) {
      throw new Error('no 2D canvas');
    }
    if (isSvg) {
      context.fillStyle = '#fff';
      context.fillRect(0, 0, canvas.width, canvas.height);
    }
    context.drawImage(image, 0, 0, canvas.width, canvas.height);
    const type = block.mimeType === 'image/jpeg' ? 'image/jpeg' : 'image/png';
    const url = canvas.toDataURL(type, 0.85);
    return {
      type: 'image',
      mimeType: type,
      data: url.slice(url.indexOf(',') + 1)
    };
  } catch (error) {
    if (isSvg) {
      return {
        type: 'text',
        text: `[SVG image could not be rasterized: ${(error as Error).message}]`
      };
    }
    return block;
  }
}

namespace Private {
  export function load(src: string): Promise<HTMLImageElement> {
    return new Promise((resolve, reject) => {
      const image = new Image();
      image.onload = () => resolve(image);
      image.onerror = () =>
        reject(new Error('the browser could not decode it'));
      image.src = src;
    });
  }
}
