"use strict";(self.rspackChunk_localab_runtime_extension=self.rspackChunk_localab_runtime_extension||[]).push([[266],{646(e,t,r){var a=r(601),o=r.n(a),n=r(314),i=(r.n(n))()(o());i.push([e.id,`.jp-localab-status {
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

/* google.colab.output's areas (src/areas.js): the cell's header and footer stay first and last */
.jp-OutputArea.localab-has-areas {
  display: flex;
  flex-direction: column;
}
.localab-output-header {
  order: -1;
}
.localab-output-footer {
  order: 1;
}
.localab-redirected {
  display: none !important;
}
`,""]),r.d(t,{},{A:i})},314(e){e.exports=function(e){var t=[];return t.toString=function(){return this.map(function(t){var r="",a=void 0!==t[5];return t[4]&&(r+="@supports (".concat(t[4],") {")),t[2]&&(r+="@media ".concat(t[2]," {")),a&&(r+="@layer".concat(t[5].length>0?" ".concat(t[5]):""," {")),r+=e(t),a&&(r+="}"),t[2]&&(r+="}"),t[4]&&(r+="}"),r}).join("")},t.i=function(e,r,a,o,n){"string"==typeof e&&(e=[[null,e,void 0]]);var i={};if(a)for(var l=0;l<this.length;l++){var c=this[l][0];null!=c&&(i[c]=!0)}for(var s=0;s<e.length;s++){var p=[].concat(e[s]);a&&i[p[0]]||(void 0!==n&&(void 0===p[5]||(p[1]="@layer".concat(p[5].length>0?" ".concat(p[5]):""," {").concat(p[1],"}")),p[5]=n),r&&(p[2]&&(p[1]="@media ".concat(p[2]," {").concat(p[1],"}")),p[2]=r),o&&(p[4]?(p[1]="@supports (".concat(p[4],") {").concat(p[1],"}"),p[4]=o):p[4]="".concat(o)),t.push(p))}},t}},601(e){e.exports=function(e){return e[1]}},665(e,t,r){r.r(t);var a=r(72),o=r.n(a),n=r(825),i=r.n(n),l=r(659),c=r.n(l),s=r(56),p=r.n(s),u=r(540),d=r.n(u),f=r(113),m=r.n(f),v=r(646),h={};h.styleTagTransform=m(),h.setAttributes=p(),h.insert=c().bind(null,"head"),h.domAPI=i(),h.insertStyleElement=d(),o()(v.A,h);let b=v.A&&v.A.locals?v.A.locals:void 0;r.d(t,{},{default:b})},72(e){var t=[];function r(e){for(var r=-1,a=0;a<t.length;a++)if(t[a].identifier===e){r=a;break}return r}function a(e,a){for(var o={},n=[],i=0;i<e.length;i++){var l=e[i],c=a.base?l[0]+a.base:l[0],s=o[c]||0,p="".concat(c," ").concat(s);o[c]=s+1;var u=r(p),d={css:l[1],media:l[2],sourceMap:l[3],supports:l[4],layer:l[5]};if(-1!==u)t[u].references++,t[u].updater(d);else{var f=function(e,t){var r=t.domAPI(t);return r.update(e),function(t){t?(t.css!==e.css||t.media!==e.media||t.sourceMap!==e.sourceMap||t.supports!==e.supports||t.layer!==e.layer)&&r.update(e=t):r.remove()}}(d,a);a.byIndex=i,t.splice(i,0,{identifier:p,updater:f,references:1})}n.push(p)}return n}e.exports=function(e,o){var n=a(e=e||[],o=o||{});return function(e){e=e||[];for(var i=0;i<n.length;i++){var l=r(n[i]);t[l].references--}for(var c=a(e,o),s=0;s<n.length;s++){var p=r(n[s]);0===t[p].references&&(t[p].updater(),t.splice(p,1))}n=c}}},659(e){var t={};e.exports=function(e,r){var a=function(e){if(void 0===t[e]){var r=document.querySelector(e);if(window.HTMLIFrameElement&&r instanceof window.HTMLIFrameElement)try{r=r.contentDocument.head}catch(e){r=null}t[e]=r}return t[e]}(e);if(!a)throw Error("Couldn't find a style target. This probably means that the value for the 'insert' parameter is invalid.");a.appendChild(r)}},540(e){e.exports=function(e){var t=document.createElement("style");return e.setAttributes(t,e.attributes),e.insert(t,e.options),t}},56(e,t,r){e.exports=function(e){var t=r.nc;t&&e.setAttribute("nonce",t)}},825(e){e.exports=function(e){if("u"<typeof document)return{update:function(){},remove:function(){}};var t=e.insertStyleElement(e);return{update:function(r){var a,o,n;a="",r.supports&&(a+="@supports (".concat(r.supports,") {")),r.media&&(a+="@media ".concat(r.media," {")),(o=void 0!==r.layer)&&(a+="@layer".concat(r.layer.length>0?" ".concat(r.layer):""," {")),a+=r.css,o&&(a+="}"),r.media&&(a+="}"),r.supports&&(a+="}"),(n=r.sourceMap)&&"u">typeof btoa&&(a+="\n/*# sourceMappingURL=data:application/json;base64,".concat(btoa(unescape(encodeURIComponent(JSON.stringify(n))))," */")),e.styleTagTransform(a,t,e.options)},remove:function(){var e;null===(e=t).parentNode||e.parentNode.removeChild(e)}}}},113(e){e.exports=function(e,t){if(t.styleSheet)t.styleSheet.cssText=e;else{for(;t.firstChild;)t.removeChild(t.firstChild);t.appendChild(document.createTextNode(e))}}}}]);