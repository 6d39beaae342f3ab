// The viewer's camera and the frames read from it: what the component and the bench share.

/** The camera playing in `video`; throws an Error whose message is the state the page shows:
 * 'no-camera', 'camera-denied' or 'camera-failed'. */
export async function startCamera(video, width = 640, height = 480) {
  if (!navigator.mediaDevices?.getUserMedia) throw new Error('no-camera');
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { width, height }, audio: false });
  } catch (error) {
    const name = error?.name ?? '';
    if (name === 'NotAllowedError' || name === 'SecurityError') throw new Error('camera-denied');
    if (name === 'NotFoundError' || name === 'OverconstrainedError') throw new Error('no-camera');
    throw new Error('camera-failed');
  }
  video.muted = true;
  video.srcObject = stream;
  await video.play();
  while (!(video.readyState >= 2 && video.videoWidth > 0)) {
    await new Promise((done) => video.addEventListener('loadeddata', done, { once: true }));
  }
  return stream;
}

/** Reads the camera's current picture as RGBA pixels. */
export class FrameGrabber {
  constructor() {
    this.canvas = document.createElement('canvas');
    this.context = null;
  }

  grab(video) {
    const { videoWidth: width, videoHeight: height } = video;
    if (this.canvas.width !== width || this.canvas.height !== height || !this.context) {
      this.canvas.width = width;
      this.canvas.height = height;
      this.context = this.canvas.getContext('2d', { willReadFrequently: true });
    }
    this.context.drawImage(video, 0, 0, width, height);
    const image = this.context.getImageData(0, 0, width, height);
    return { data: image.data, width, height, channels: 4 };
  }
}

/** Stop every track of a camera stream (the camera light goes off). */
export function stopCamera(stream) {
  stream?.getTracks().forEach((track) => track.stop());
}
