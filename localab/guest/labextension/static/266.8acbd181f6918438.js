"use strict";(self.rspackChunk_localab_runtime_extension=self.rspackChunk_localab_runtime_extension||[]).push([[266],{646(e,t,r){var n=r(601),o=r.n(n),a=r(314),i=(r.n(a))()(o());i.push([e.id,`.jp-localab-status {
  padding: 0 6px;
  line-height: 24px;
}

.jp-localab-status.jp-mod-soon {
  background-color: var(--jp-warn-color2);
}

/* Colab's forms (src/forms.js) */
.jp-localab-form {
  margin: 4px 0 4px var(--jp-cell-prompt-width, 64px);
  padding: 6px 10px;
  border-left: 3px solid var(--jp-brand-color1);
  background: var(--jp-layout-color1);
  font-size: var(--jp-ui-font-size1);
}
.jp-localab-form-title { font-weight: bold; font-size: var(--jp-ui-font-size2); margin-bottom: 4px; }
.jp-localab-form-markdown { color: var(--jp-ui-font-color1); margin: 2px 0; }
.jp-localab-form-field { display: flex; align-items: center; gap: 8px; margin: 3px 0; }
.jp-localab-form-name { min-width: 10em; font-family: var(--jp-code-font-family); }
.jp-localab-form-field input[type='text'], .jp-localab-form-field select { min-width: 16em; }
.jp-localab-form-slider-value { margin-left: 6px; font-family: var(--jp-code-font-family); }
.jp-localab-form-toggle { margin-top: 4px; }
.jp-localab-form-hides-code .jp-Cell-inputArea { display: none; }
`,""]),r.d(t,{},{A:i})},314(e){e.exports=function(e){var t=[];return t.toString=function(){return this.map(function(t){var r="",n=void 0!==t[5];return t[4]&&(r+="@supports (".concat(t[4],") {")),t[2]&&(r+="@media ".concat(t[2]," {")),n&&(r+="@layer".concat(t[5].length>0?" ".concat(t[5]):""," {")),r+=e(t),n&&(r+="}"),t[2]&&(r+="}"),t[4]&&(r+="}"),r}).join("")},t.i=function(e,r,n,o,a){"string"==typeof e&&(e=[[null,e,void 0]]);var i={};if(n)for(var c=0;c<this.length;c++){var l=this[c][0];null!=l&&(i[l]=!0)}for(var s=0;s<e.length;s++){var p=[].concat(e[s]);n&&i[p[0]]||(void 0!==a&&(void 0===p[5]||(p[1]="@layer".concat(p[5].length>0?" ".concat(p[5]):""," {").concat(p[1],"}")),p[5]=a),r&&(p[2]&&(p[1]="@media ".concat(p[2]," {").concat(p[1],"}")),p[2]=r),o&&(p[4]?(p[1]="@supports (".concat(p[4],") {").concat(p[1],"}"),p[4]=o):p[4]="".concat(o)),t.push(p))}},t}},601(e){e.exports=function(e){return e[1]}},665(e,t,r){r.r(t);var n=r(72),o=r.n(n),a=r(825),i=r.n(a),c=r(659),l=r.n(c),s=r(56),p=r.n(s),u=r(540),f=r.n(u),d=r(113),m=r.n(d),v=r(646),h={};h.styleTagTransform=m(),h.setAttributes=p(),h.insert=l().bind(null,"head"),h.domAPI=i(),h.insertStyleElement=f(),o()(v.A,h);let b=v.A&&v.A.locals?v.A.locals:void 0;r.d(t,{},{default:b})},72(e){var t=[];function r(e){for(var r=-1,n=0;n<t.length;n++)if(t[n].identifier===e){r=n;break}return r}function n(e,n){for(var o={},a=[],i=0;i<e.length;i++){var c=e[i],l=n.base?c[0]+n.base:c[0],s=o[l]||0,p="".concat(l," ").concat(s);o[l]=s+1;var u=r(p),f={css:c[1],media:c[2],sourceMap:c[3],supports:c[4],layer:c[5]};if(-1!==u)t[u].references++,t[u].updater(f);else{var d=function(e,t){var r=t.domAPI(t);return r.update(e),function(t){t?(t.css!==e.css||t.media!==e.media||t.sourceMap!==e.sourceMap||t.supports!==e.supports||t.layer!==e.layer)&&r.update(e=t):r.remove()}}(f,n);n.byIndex=i,t.splice(i,0,{identifier:p,updater:d,references:1})}a.push(p)}return a}e.exports=function(e,o){var a=n(e=e||[],o=o||{});return function(e){e=e||[];for(var i=0;i<a.length;i++){var c=r(a[i]);t[c].references--}for(var l=n(e,o),s=0;s<a.length;s++){var p=r(a[s]);0===t[p].references&&(t[p].updater(),t.splice(p,1))}a=l}}},659(e){var t={};e.exports=function(e,r){var n=function(e){if(void 0===t[e]){var r=document.querySelector(e);if(window.HTMLIFrameElement&&r instanceof window.HTMLIFrameElement)try{r=r.contentDocument.head}catch(e){r=null}t[e]=r}return t[e]}(e);if(!n)throw Error("Couldn't find a style target. This probably means that the value for the 'insert' parameter is invalid.");n.appendChild(r)}},540(e){e.exports=function(e){var t=document.createElement("style");return e.setAttributes(t,e.attributes),e.insert(t,e.options),t}},56(e,t,r){e.exports=function(e){var t=r.nc;t&&e.setAttribute("nonce",t)}},825(e){e.exports=function(e){if("u"<typeof document)return{update:function(){},remove:function(){}};var t=e.insertStyleElement(e);return{update:function(r){var n,o,a;n="",r.supports&&(n+="@supports (".concat(r.supports,") {")),r.media&&(n+="@media ".concat(r.media," {")),(o=void 0!==r.layer)&&(n+="@layer".concat(r.layer.length>0?" ".concat(r.layer):""," {")),n+=r.css,o&&(n+="}"),r.media&&(n+="}"),r.supports&&(n+="}"),(a=r.sourceMap)&&"u">typeof btoa&&(n+="\n/*# sourceMappingURL=data:application/json;base64,".concat(btoa(unescape(encodeURIComponent(JSON.stringify(a))))," */")),e.styleTagTransform(n,t,e.options)},remove:function(){var e;null===(e=t).parentNode||e.parentNode.removeChild(e)}}}},113(e){e.exports=function(e,t){if(t.styleSheet)t.styleSheet.cssText=e;else{for(;t.firstChild;)t.removeChild(t.firstChild);t.appendChild(document.createTextNode(e))}}}}]);