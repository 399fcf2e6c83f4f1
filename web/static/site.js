// Copy buttons: shown only when JavaScript runs; the pages work without it.
document.querySelectorAll('button.copy[data-copy]').forEach(function (b) {
  if (!navigator.clipboard) return;
  b.hidden = false;
  b.addEventListener('click', function () {
    navigator.clipboard.writeText(b.dataset.copy).then(function () {
      var label = b.textContent;
      b.textContent = b.dataset.copied;
      setTimeout(function () { b.textContent = label; }, 2000);
    });
  });
});
// Print buttons: shown only when JavaScript runs; without it the page says
// to use the browser's print function.
document.querySelectorAll('button[data-print]').forEach(function (b) {
  b.hidden = false;
  b.addEventListener('click', function () { window.print(); });
});
