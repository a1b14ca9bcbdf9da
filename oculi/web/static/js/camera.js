// A camera snapshot through getUserMedia: open, take one JPEG frame, close. Used by Analyze and the door check.

export class Camera {
  constructor(video) {
    this.video = video;
    this.stream = null;
  }

  async open() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      throw new Error("This browser gives no camera to this page (a camera needs https or localhost).");
    }
    this.stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "user" }, audio: false });
    this.video.srcObject = this.stream;
    await this.video.play();
  }

  snapshot() {
    const canvas = document.createElement("canvas");
    canvas.width = this.video.videoWidth;
    canvas.height = this.video.videoHeight;
    canvas.getContext("2d").drawImage(this.video, 0, 0);
    return new Promise((resolve) => canvas.toBlob((b) => resolve(new File([b], "camera.jpg", { type: "image/jpeg" })),
                                                  "image/jpeg", 0.92));
  }

  close() {
    if (this.stream) this.stream.getTracks().forEach((t) => t.stop());
    this.stream = null;
    this.video.srcObject = null;
  }
}

/** Files from a drop, a paste or a file input: only images, with a message for the rest. */
export function imagesFrom(list) {
  const files = Array.from(list || []).filter((f) => f && f.kind !== "string").map((f) => (f.getAsFile ? f.getAsFile() : f))
    .filter(Boolean);
  const images = files.filter((f) => f.type.startsWith("image/"));
  const refused = files.filter((f) => !f.type.startsWith("image/")).map((f) => f.name || f.type || "a file");
  return { images, refused };
}

/** Wire a drop zone (drag and drop) and the page's paste to `take(files)`. */
export function acceptDrops(zone, take, onRefused) {
  const handle = (list) => {
    const { images, refused } = imagesFrom(list);
    if (refused.length) onRefused(`Not an image: ${refused.join(", ")}. Use a JPEG, PNG, WebP, BMP, TIFF or GIF.`);
    if (images.length) take(images);
  };
  zone.addEventListener("dragover", (e) => { e.preventDefault(); zone.classList.add("over"); });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    zone.classList.remove("over");
    handle(e.dataTransfer.files);
  });
  document.addEventListener("paste", (e) => {
    const items = Array.from(e.clipboardData ? e.clipboardData.items : []).filter((i) => i.kind === "file");
    if (items.length) {
      e.preventDefault();
      handle(items);
    }
  });
}
